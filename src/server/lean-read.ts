// ByteStream Read over gRPC without re-encoding the data: each chunk read goes onto the HTTP/2 stream as is, behind a hand-made prefix.
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { fromBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ReadRequestSchema } from "../gen/google/bytestream/bytestream_pb.js";
import { parseReadRequest } from "./bytestream-requests.js";
import type { CallObserver } from "./observe/call-record.js";
import { subjectOf } from "./observe/message-facts.js";
import { encodeGrpcMessage } from "./refusal-handler.js";
import { runWithRequestMetadata, REQUEST_METADATA_HEADER } from "./request-metadata.js";
import type { ServerContext } from "./server-context.js";
import { toConnectError } from "./status-of.js";

/** The gRPC path this handler serves. */
export const LEAN_READ_PATH = "/google.bytestream.ByteStream/Read";
/** `ReadResponse.data` is field 10, length-delimited: tag (10 << 3) | 2. */
const DATA_TAG = 0x52;
/** A ReadRequest is a resource name and two integers; anything longer is not one. */
const MAX_REQUEST_BYTES = 64 * 1024;

/** Options for {@link createLeanReadHandler}. */
export interface LeanReadOptions {
  readonly observe?: CallObserver;
  /** Keep the request-metadata header for the upstream calls the read makes. */
  readonly forwardRequestMetadata?: boolean;
}

/** A request this handler takes: a gRPC (protobuf, not gRPC-web or Connect) call of ByteStream/Read over HTTP/2. */
export function isLeanRead(request: Http2ServerRequest): boolean {
  if (request.httpVersionMajor !== 2 || request.method !== "POST" || request.url !== LEAN_READ_PATH) return false;
  const contentType = request.headers["content-type"];
  return contentType === "application/grpc" || contentType === "application/grpc+proto";
}

/**
 * Serves ByteStream Read as the Connect handler would — the same checks, statuses, deadline and
 * cancellation, and the same call record — but writes each ReadResponse as a 5-byte gRPC prefix
 * and a 1-6 byte field header followed by the chunk itself, so that blob data is never copied into
 * a protobuf writer and again into a gRPC envelope.
 */
export function createLeanReadHandler(server: ServerContext, options: LeanReadOptions = {}): (request: Http2ServerRequest, response: Http2ServerResponse) => void {
  return (request, response) => {
    const metadata = options.forwardRequestMetadata === true ? request.headers[REQUEST_METADATA_HEADER] : undefined;
    const serve = () => serveRead(server, options.observe, request, response);
    void (typeof metadata === "string" ? runWithRequestMetadata(metadata, serve) : serve());
  };
}

async function serveRead(server: ServerContext, observe: CallObserver | undefined, request: Http2ServerRequest, response: Http2ServerResponse): Promise<void> {
  const started = performance.now();
  const controller = new AbortController();
  const { signal } = controller;
  const onClose = () => controller.abort(new ConnectError("the client went away", Code.Canceled));
  response.once("close", onClose);
  const deadline = grpcTimeoutMs(request.headers["grpc-timeout"]);
  const timer = deadline === undefined ? undefined : setTimeout(() => controller.abort(new ConnectError("the deadline passed", Code.DeadlineExceeded)), deadline);
  let subject = "-";
  let bytesOut = 0;
  let outcome: ConnectError | undefined;
  try {
    const message = fromBinary(ReadRequestSchema, await readOneMessage(request, signal));
    subject = subjectOf(message);
    const read = parseReadRequest(message, server);
    for await (const chunk of server.backend.readBlob(read.digest, { offset: read.offset, limit: read.limit, signal })) {
      if (chunk.byteLength === 0) continue;
      if (!response.headersSent) response.writeHead(200, { "content-type": "application/grpc" });
      const prefix = responsePrefix(chunk.byteLength);
      response.write(prefix);
      if (!response.write(chunk)) await drained(response, signal);
      bytesOut += chunk.byteLength;
    }
  } catch (error) {
    outcome = signal.aborted ? toConnectError(signal.reason) : toConnectError(error);
  } finally {
    clearTimeout(timer);
    response.off("close", onClose);
  }
  if (!response.destroyed && !response.writableEnded) {
    if (!response.headersSent) response.writeHead(200, { "content-type": "application/grpc" });
    response.addTrailers({
      "grpc-status": String(outcome?.code ?? 0),
      ...(outcome !== undefined ? { "grpc-message": encodeGrpcMessage(outcome.rawMessage) } : {}),
    });
    response.end();
  }
  observe?.({
    method: "google.bytestream.ByteStream/Read",
    subject,
    code: outcome?.code ?? 0,
    refused: false,
    bytesIn: 0,
    bytesOut,
    milliseconds: performance.now() - started,
  });
}

/** The request body's single gRPC message; INVALID_ARGUMENT for anything else, compressed messages included. */
async function readOneMessage(request: Http2ServerRequest, signal: AbortSignal): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  let length = 0;
  for await (const part of request) {
    signal.throwIfAborted();
    length += (part as Buffer).byteLength;
    if (length > MAX_REQUEST_BYTES + 5) throw new ConnectError(`a ReadRequest of more than ${MAX_REQUEST_BYTES} bytes`, Code.ResourceExhausted);
    parts.push(part as Buffer);
  }
  const body = Buffer.concat(parts, length);
  if (body.byteLength < 5) throw new ConnectError("Read received no request message", Code.InvalidArgument);
  if (body[0] !== 0) throw new ConnectError("compressed request messages are not accepted", Code.Internal);
  const size = body.readUInt32BE(1);
  if (body.byteLength !== 5 + size) throw new ConnectError("Read takes exactly one request message", Code.InvalidArgument);
  return body.subarray(5);
}

/** The gRPC length prefix and the `data` field header of a ReadResponse holding `dataBytes` bytes. */
export function responsePrefix(dataBytes: number): Buffer {
  const varint: number[] = [];
  let rest = dataBytes;
  while (rest >= 0x80) {
    varint.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  varint.push(rest);
  const prefix = Buffer.allocUnsafe(5 + 1 + varint.length);
  prefix[0] = 0;
  prefix.writeUInt32BE(1 + varint.length + dataBytes, 1);
  prefix[5] = DATA_TAG;
  prefix.set(varint, 6);
  return prefix;
}

/** gRPC's `grpc-timeout` header (e.g. `10S`, `500m`) in milliseconds; undefined when absent or malformed. */
export function grpcTimeoutMs(header: string | string[] | undefined): number | undefined {
  if (typeof header !== "string") return undefined;
  const match = /^(\d{1,8})([HMSmun])$/.exec(header);
  if (match === null) return undefined;
  const unitMs: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };
  return Number(match[1]) * (unitMs[match[2] as string] as number);
}

/** Resolves when `response` can take more data; rejects when the call ends first. */
function drained(response: Http2ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    };
    const onAbort = () => {
      response.off("drain", onDrain);
      reject(signal.reason as Error);
    };
    response.once("drain", onDrain);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
