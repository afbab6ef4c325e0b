// gRPC calls served on node:http2 without Connect's layers: ByteStream (blob data moved as it lies) and the unary methods (decoded and encoded once).
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { create, fromBinary, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { byteLengthOf } from "../backend/blob-chunk.js";
import { BatchUpdateBlobsRequestSchema } from "../gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { ReadRequestSchema, WriteRequestSchema, WriteResponseSchema } from "../gen/google/bytestream/bytestream_pb.js";
import { decide, type PolicyFlags } from "../policy/method-table.js";
import { parseReadRequest } from "./bytestream-requests.js";
import { receivedWhole, receiveWrite, type ReceivedWrite } from "./bytestream-write.js";
import { framedDataHeader, grpcFrame, grpcMessageParts, grpcMessages, ReadResponseFrameCounter } from "./grpc-frames.js";
import { decodeBatchUpdateParts } from "./batch-update-parts.js";
import { serveLeanCall, type LeanCall } from "./lean-call.js";
import { joinParts } from "./message-parts.js";
import type { CallObserver } from "./observe/call-record.js";
import { backendForCall, REQUEST_METADATA_HEADER } from "./request-metadata.js";
import type { ServerContext } from "./server-context.js";
import type { UnaryRoute } from "./unary-routes.js";
import { splitWriteRequest } from "./write-request-parts.js";

const READ_PATH = "/google.bytestream.ByteStream/Read";
const WRITE_PATH = "/google.bytestream.ByteStream/Write";
/** Largest ReadResponse passed on from an upstream: 4 MiB of data and its field header. */
const MAX_RELAYED_MESSAGE_BYTES = 4 * 1024 * 1024 + 16;
/** A ReadRequest is a resource name and two integers; anything longer is not one. */
const MAX_READ_REQUEST_BYTES = 64 * 1024;

/** Options for {@link createLeanGrpc}. */
export interface LeanGrpcOptions {
  readonly observe?: CallObserver;
  /** Largest request message taken (a Write chunk or a batch, and its framing). */
  readonly readMaxBytes: number;
  /** The unary methods to serve, as registered with Connect (the policy's allowed ones). */
  readonly unary: ReadonlyMap<string, UnaryRoute>;
}

/** Serves a request when it is a call this path takes, and says whether it was. */
export type LeanHandler = (request: Http2ServerRequest, response: Http2ServerResponse) => boolean;

/**
 * Takes gRPC (protobuf over HTTP/2; not gRPC-web, not Connect) calls of ByteStream Read and Write
 * that the policy allows, and of the unary methods registered, and serves them as Connect would —
 * the same checks, statuses, cancellation, deadline and call record. A ReadResponse is written as
 * a hand-made prefix followed by the chunk read, a WriteRequest's data is a view of the bytes
 * received, and a unary request is decoded and its answer encoded once, without Connect's
 * universal request and response layers.
 */
export function createLeanGrpc(server: ServerContext & { readonly flags: PolicyFlags }, options: LeanGrpcOptions): LeanHandler {
  const served = new Map<string, (call: LeanCall, request: Http2ServerRequest) => Promise<void>>();
  for (const [path, route] of options.unary) served.set(path, (call, request) => serveUnary(route, call, request, options.readMaxBytes));
  if (decide(READ_PATH, server.flags).allowed) served.set(READ_PATH, (call, request) => serveRead(server, call, request));
  if (decide(WRITE_PATH, server.flags).allowed) served.set(WRITE_PATH, (call, request) => serveWrite(server, call, request, options.readMaxBytes));
  return (request, response) => {
    const work = request.method === "POST" && request.url !== undefined ? served.get(request.url) : undefined;
    if (work === undefined || !isPlainGrpc(request)) return false;
    const method = (request.url as string).slice(1);
    void serveLeanCall(request, response, method, options.observe, (call) => work(call, request));
    return true;
  };
}

/** gRPC with protobuf over HTTP/2 and no compression declared: anything else is left to Connect, which answers it. */
function isPlainGrpc(request: Http2ServerRequest): boolean {
  const contentType = request.headers["content-type"];
  const encoding = request.headers["grpc-encoding"];
  return (
    request.httpVersionMajor === 2 &&
    (contentType === "application/grpc" || contentType === "application/grpc+proto") &&
    (encoding === undefined || encoding === "identity")
  );
}

/** `bytes` decoded as `schema`; INTERNAL when they are not such a message, as for every other method. */
function decode<Desc extends DescMessage>(schema: Desc, bytes: Uint8Array): MessageShape<Desc> {
  try {
    return fromBinary(schema, bytes);
  } catch (error) {
    throw new ConnectError(`parse binary: ${(error as Error).message}`, Code.Internal);
  }
}

/**
 * A unary request from the parts it arrived in. BatchUpdateBlobs requests, the large ones, are
 * decoded where they lie; the others are copied together and decoded whole.
 */
function decodeUnaryRequest(schema: DescMessage, parts: Buffer[]): MessageShape<DescMessage> {
  if (parts.length > 1 && schema === BatchUpdateBlobsRequestSchema) {
    const request = decodeBatchUpdateParts(parts);
    if (request !== undefined) return request;
  }
  return decode(schema, joinParts(parts));
}

async function serveUnary(route: UnaryRoute, call: LeanCall, request: Http2ServerRequest, readMaxBytes: number): Promise<void> {
  const messages = grpcMessageParts(call.body, readMaxBytes);
  const first = await messages.next();
  if (first.done === true) throw new ConnectError("protocol error: missing input message for unary method", Code.Unimplemented);
  if ((await messages.next()).done !== true) throw new ConnectError("protocol error: received extra input message for unary method", Code.Unimplemented);
  const input = decodeUnaryRequest(route.method.input, first.value);
  call.noteRequest(input);
  const { method } = route;
  const requestMetadata = request.headers[REQUEST_METADATA_HEADER];
  const output = create(method.output, await route.impl(input, { signal: call.signal, requestMetadata: typeof requestMetadata === "string" ? requestMetadata : undefined }));
  call.noteResponse(output);
  await call.send(grpcFrame(toBinary(method.output, output)));
}

async function serveRead(server: ServerContext, call: LeanCall, request: Http2ServerRequest): Promise<void> {
  const messages = grpcMessages(call.body, MAX_READ_REQUEST_BYTES);
  const first = await messages.next();
  if (first.done === true) throw new ConnectError("Read received no request message", Code.InvalidArgument);
  if ((await messages.next()).done !== true) throw new ConnectError("Read takes exactly one request message", Code.InvalidArgument);
  const message = decode(ReadRequestSchema, first.value);
  call.noteRequest(message);
  const read = parseReadRequest(message, server);
  const options = { offset: read.offset, limit: read.limit, signal: call.signal };
  const backend = backendForCall(server.backend, request.headers[REQUEST_METADATA_HEADER]);
  if (backend.readBlobFrames !== undefined) {
    // Messages an upstream framed go on as they are; only their boundaries are followed.
    const counter = new ReadResponseFrameCounter(MAX_RELAYED_MESSAGE_BYTES);
    for await (const batch of backend.readBlobFrames(read.digest, options)) {
      const before = counter.dataBytes;
      for (const chunk of batch) counter.see(chunk);
      await call.send(...batch);
      call.countOut(counter.dataBytes - before);
    }
    if (!counter.complete) throw new ConnectError("the upstream's answer ended inside a message", Code.Unavailable);
    return;
  }
  for await (const chunk of backend.readBlob(read.digest, options)) {
    if (chunk.byteLength === 0) continue;
    await call.send(readResponsePrefix(chunk.byteLength), chunk);
    call.countOut(chunk.byteLength);
  }
}

async function serveWrite(server: ServerContext, call: LeanCall, request: Http2ServerRequest, readMaxBytes: number): Promise<void> {
  async function* requests(): AsyncGenerator<ReceivedWrite, void, undefined> {
    for await (const parts of grpcMessageParts(call.body, readMaxBytes)) {
      const received = decodeWriteRequest(parts);
      call.noteRequest(received.request);
      if (received.data !== received.request.data) call.countIn(byteLengthOf(received.data));
      yield received;
    }
  }
  const committedSize = await receiveWrite(requests(), backendForCall(server.backend, request.headers[REQUEST_METADATA_HEADER]), server, call.signal);
  await call.send(grpcFrame(toBinary(WriteResponseSchema, create(WriteResponseSchema, { committedSize: BigInt(committedSize) }))));
}

/**
 * A WriteRequest from the parts it arrived in: its data left in those parts when the message
 * spans several (the bytes a client streams are never copied together), decoded whole otherwise,
 * and whenever the split finds anything unusual, so that a malformed message fails as it would
 * through Connect.
 */
function decodeWriteRequest(parts: readonly Buffer[]): ReceivedWrite {
  if (parts.length > 1) {
    const split = splitWriteRequest(parts);
    if (split !== undefined) {
      try {
        return { request: fromBinary(WriteRequestSchema, split.otherFields), data: split.data };
      } catch {
        // Decoded whole below, for the error the whole message gives.
      }
    }
  }
  return receivedWhole(decode(WriteRequestSchema, joinParts(parts)));
}

/** The gRPC length prefix and the `data` field header of a ReadResponse holding `dataBytes` bytes. */
export function readResponsePrefix(dataBytes: number): Buffer {
  return framedDataHeader(new Uint8Array(0), dataBytes);
}
