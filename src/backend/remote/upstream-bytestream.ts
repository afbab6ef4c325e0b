// ByteStream Read and Write to the upstream on raw HTTP/2 streams: blob data framed by hand, never copied into a protobuf writer.
import { constants as http2, type ClientHttp2Stream, type IncomingHttpHeaders } from "node:http2";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ReadRequestSchema, ReadResponseSchema, WriteRequestSchema, WriteResponseSchema } from "../../gen/google/bytestream/bytestream_pb.js";
import { framedDataHeader, grpcFrame, grpcMessages } from "../../server/grpc-frames.js";
import { chunkBatches } from "../../util/chunk-batches.js";
import { firstEvent } from "../../util/first-event.js";
import type { BlobChunks } from "../backend.js";

/** Opens a gRPC call to the upstream at `path` (headers, credentials and cancellation included) and resolves with its stream. */
export type OpenUpstreamCall = (path: string, signal: AbortSignal) => Promise<ClientHttp2Stream>;

const READ_PATH = "/google.bytestream.ByteStream/Read";
const WRITE_PATH = "/google.bytestream.ByteStream/Write";
/** Bytes of an answer held before the upstream is made to wait. */
const RELAY_HIGH_WATER_MARK = 1024 * 1024;
/** Largest message taken from the upstream: a ReadResponse of up to 4 MiB, and framing. */
const MAX_MESSAGE_BYTES = 5 * 1024 * 1024;

/** What the upstream answered a call with. */
interface CallStatus {
  readonly code: Code | 0;
  readonly message: string;
}

/** Streams the blob behind `resourceName` from the upstream, chunk by chunk as its ReadResponses arrive. */
export async function* readFromUpstream(
  open: OpenUpstreamCall,
  resourceName: string,
  range: { readonly offset: number; readonly limit: number },
  signal: AbortSignal,
): AsyncGenerator<Uint8Array, void, undefined> {
  async function* chunks(): AsyncGenerator<Buffer> {
    for await (const batch of readFramesFromUpstream(open, resourceName, range, signal)) yield* batch;
  }
  for await (const message of grpcMessages(chunks(), MAX_MESSAGE_BYTES)) {
    const { data } = decodeAnswer(() => fromBinary(ReadResponseSchema, message));
    if (data.byteLength > 0) yield data;
  }
}

/**
 * Streams the upstream's answer to a Read of `resourceName` as it arrives: gRPC-framed
 * ReadResponse messages, cut wherever the connection cut them, in batches of the chunks received. Ends once the upstream's status
 * is OK; throws its status otherwise.
 */
export async function* readFramesFromUpstream(
  open: OpenUpstreamCall,
  resourceName: string,
  range: { readonly offset: number; readonly limit: number },
  signal: AbortSignal,
): AsyncGenerator<Buffer[], void, undefined> {
  const stream = await open(READ_PATH, signal);
  const status = statusOf(stream, signal);
  try {
    const request = create(ReadRequestSchema, { resourceName, readOffset: BigInt(range.offset), readLimit: BigInt(range.limit) });
    stream.end(grpcFrame(toBinary(ReadRequestSchema, request)));
    try {
      yield* chunkBatches(stream, RELAY_HIGH_WATER_MARK);
    } catch (error) {
      throw brokenStream(error, signal);
    }
    throwUnlessOk(await status);
  } finally {
    if (!stream.closed) stream.close(http2.NGHTTP2_CANCEL);
  }
}

/**
 * Uploads `chunks` to the upstream as one Write named `resourceName` and resolves with the size
 * it committed. Each request is a small hand-made header followed by the chunk itself. An
 * upstream that answers early (it holds the blob already) ends the upload there.
 */
export async function writeToUpstream(open: OpenUpstreamCall, resourceName: string, chunks: BlobChunks, signal: AbortSignal): Promise<bigint> {
  const stream = await open(WRITE_PATH, signal);
  const status = statusOf(stream, signal);
  try {
    let offset = 0n;
    let held: Uint8Array | undefined;
    // The upstream may answer before the last request (it holds the blob already): stop there.
    let answered = false;
    const onAnswer = () => {
      answered = true;
      stream.emit("answered");
    };
    stream.once("trailers", onAnswer);
    stream.once("response", (headers: IncomingHttpHeaders) => {
      if (headers["grpc-status"] !== undefined) onAnswer();
    });
    const send = async (data: Uint8Array, finishWrite: boolean): Promise<boolean> => {
      if (answered || stream.closed || stream.writableEnded) return false;
      const fields = toBinary(WriteRequestSchema, create(WriteRequestSchema, { resourceName: offset === 0n ? resourceName : "", writeOffset: offset, finishWrite }));
      stream.write(framedDataHeader(fields, data.byteLength));
      const room = data.byteLength > 0 ? stream.write(data) : true;
      offset += BigInt(data.byteLength);
      // Wait for room, unless the upstream answered or the stream closed (the answer says why).
      if (!room) await firstEvent(stream, ["drain", "close", "answered"], signal);
      return true;
    };
    let open = true;
    for await (const chunk of chunks) {
      if (held !== undefined && !(open = await send(held, false))) break;
      held = chunk;
    }
    if (open && (await send(held ?? new Uint8Array(0), true))) stream.end();
    else if (!stream.writableEnded) stream.end();
    let committed: bigint | undefined;
    for await (const message of answerMessages(stream, signal)) {
      committed ??= decodeAnswer(() => fromBinary(WriteResponseSchema, message)).committedSize;
    }
    throwUnlessOk(await status);
    if (committed === undefined) throw new ConnectError("the upstream answered the Write without a WriteResponse", Code.Internal);
    return committed;
  } finally {
    if (!stream.closed) stream.close(http2.NGHTTP2_CANCEL);
  }
}

/** The messages of the upstream's answer. */
async function* answerMessages(stream: ClientHttp2Stream, signal: AbortSignal): AsyncGenerator<Buffer, void, undefined> {
  try {
    yield* grpcMessages(stream, MAX_MESSAGE_BYTES);
  } catch (error) {
    throw brokenStream(error, signal);
  }
}

/** What a failed read of the upstream's answer means: the cancellation, a ConnectError as is, else UNAVAILABLE (the stream broke). */
function brokenStream(error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason;
  if (error instanceof ConnectError) return error;
  return new ConnectError(`the upstream connection broke: ${(error as Error).message}`, Code.Unavailable, undefined, undefined, error);
}

/** The status in the answer's trailers (or headers, for a trailers-only answer), once the stream has closed. */
function statusOf(stream: ClientHttp2Stream, signal: AbortSignal): Promise<CallStatus> {
  return new Promise((resolve) => {
    let headers: IncomingHttpHeaders | undefined;
    let trailers: IncomingHttpHeaders | undefined;
    stream.once("response", (received) => (headers = received));
    stream.once("trailers", (received) => (trailers = received));
    stream.on("error", () => undefined);
    stream.once("close", () => {
      if (signal.aborted) return resolve({ code: Code.Canceled, message: "cancelled" });
      const httpStatus = Number(headers?.[":status"] ?? 0);
      if (headers === undefined || (trailers?.["grpc-status"] === undefined && headers["grpc-status"] === undefined)) {
        // The stream broke off (the upstream went away, or reset it): a reason to retry, not a bug.
        const why = headers === undefined || httpStatus === 200 ? `the stream ended (HTTP/2 code ${stream.rstCode})` : `HTTP ${httpStatus}`;
        return resolve({ code: Code.Unavailable, message: `the upstream ended the call without a gRPC status: ${why}` });
      }
      const source = trailers?.["grpc-status"] !== undefined ? trailers : headers;
      const code = Number(source["grpc-status"]);
      const message = decodeGrpcMessage(String(source["grpc-message"] ?? ""));
      if (!Number.isInteger(code) || code < 0 || code > 16) return resolve({ code: Code.Internal, message: `the upstream sent grpc-status ${String(source["grpc-status"])}` });
      resolve({ code: code as Code | 0, message });
    });
  });
}

function throwUnlessOk(status: CallStatus): void {
  if (status.code !== 0) throw new ConnectError(status.message, status.code);
}

/** A message from the upstream decoded, or INTERNAL naming what was wrong with it. */
function decodeAnswer<T>(decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    throw new ConnectError(`the upstream sent a message that does not parse: ${(error as Error).message}`, Code.Internal);
  }
}

function decodeGrpcMessage(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
