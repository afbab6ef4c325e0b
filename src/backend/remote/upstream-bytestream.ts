// ByteStream Read and Write to the upstream on raw HTTP/2 streams: blob data framed by hand, never copied into a protobuf writer.
import { constants as http2, type IncomingHttpHeaders } from "node:http2";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ReadRequestSchema, ReadResponseSchema, WriteRequestSchema, WriteResponseSchema } from "../../gen/google/bytestream/bytestream_pb.js";
import { framedDataHeader, grpcFrame, grpcMessages } from "../../server/grpc-frames.js";
import { chunkBatches } from "../../util/chunk-batches.js";
import { firstEvent } from "../../util/first-event.js";
import type { BlobChunks } from "../backend.js";
import { byteLengthOf, piecesOf, type BlobChunk } from "../blob-chunk.js";
import {
  answerMessages,
  brokenStream,
  decodeAnswer,
  MAX_ANSWER_MESSAGE_BYTES,
  statusOf,
  throwUnlessOk,
  type OpenUpstreamCall,
  type UpstreamCallScope,
} from "./upstream-call.js";

const READ_PATH = "/google.bytestream.ByteStream/Read";
const WRITE_PATH = "/google.bytestream.ByteStream/Write";
/** Bytes of an answer held before the upstream is made to wait. */
const RELAY_HIGH_WATER_MARK = 1024 * 1024;

/** Streams the blob behind `resourceName` from the upstream, chunk by chunk as its ReadResponses arrive. */
export async function* readFromUpstream(
  open: OpenUpstreamCall,
  resourceName: string,
  range: { readonly offset: number; readonly limit: number },
  scope: UpstreamCallScope,
): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const message of grpcMessages(readFramesFromUpstream(open, resourceName, range, scope), MAX_ANSWER_MESSAGE_BYTES)) {
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
  scope: UpstreamCallScope,
): AsyncGenerator<Buffer[], void, undefined> {
  const { signal } = scope;
  const stream = await open(READ_PATH, scope);
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
export async function writeToUpstream(open: OpenUpstreamCall, resourceName: string, chunks: BlobChunks, scope: UpstreamCallScope): Promise<bigint> {
  const { signal } = scope;
  const stream = await open(WRITE_PATH, scope);
  const status = statusOf(stream, signal);
  try {
    let offset = 0n;
    let held: BlobChunk | undefined;
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
    const send = async (data: BlobChunk, finishWrite: boolean): Promise<boolean> => {
      if (answered || stream.closed || stream.writableEnded) return false;
      const length = byteLengthOf(data);
      const fields = toBinary(WriteRequestSchema, create(WriteRequestSchema, { resourceName: offset === 0n ? resourceName : "", writeOffset: offset, finishWrite }));
      // Corked, the header and the pieces go to HTTP/2 as one gathered write rather than one write each.
      stream.cork();
      let room = stream.write(framedDataHeader(fields, length));
      for (const piece of piecesOf(data)) if (piece.byteLength > 0) room = stream.write(piece);
      stream.uncork();
      offset += BigInt(length);
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
