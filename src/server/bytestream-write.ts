// ByteStream Write: the requests of one upload checked as they arrive and handed to the backend as a stream of data.
import { Code, ConnectError } from "@connectrpc/connect";
import type { Backend } from "../backend/backend.js";
import { byteLengthOf, type BlobChunk } from "../backend/blob-chunk.js";
import { supportsResumableUploads } from "../backend/local/resumable-uploads.js";
import type { WriteRequest } from "../gen/google/bytestream/bytestream_pb.js";
import { untilAborted } from "../util/until-aborted.js";
import { parseBlobResourceName } from "./bytestream-requests.js";
import type { ServerContext } from "./server-context.js";

/** One WriteRequest as received: its fields, and its data as the buffers it arrived in (`request.data` is not read). */
export interface ReceivedWrite {
  readonly request: WriteRequest;
  readonly data: BlobChunk;
}

/** A WriteRequest decoded whole, its data in it. */
export function receivedWhole(request: WriteRequest): ReceivedWrite {
  return { request, data: request.data };
}

/**
 * Stores the upload that `requests` carries in `backend` (the server's, scoped to the call) and
 * resolves with the committed size to answer. Resumes where the backend keeps partial uploads;
 * ends early when the blob is stored already.
 */
export async function receiveWrite(requests: AsyncIterator<ReceivedWrite>, backend: Backend, server: ServerContext, signal: AbortSignal): Promise<number> {
  const first = await untilAborted(requests.next(), signal);
  if (first.done === true) throw new ConnectError("Write received no requests", Code.InvalidArgument);
  const name = first.value.request.resourceName;
  const { digest } = parseBlobResourceName(name, "write", server);
  const offset = first.value.request.writeOffset;
  if (offset < 0n || offset > BigInt(digest.sizeBytes)) {
    throw new ConnectError(`write_offset ${offset} is outside the blob's ${digest.sizeBytes} bytes`, Code.InvalidArgument);
  }
  if (supportsResumableUploads(backend)) {
    // Partial uploads are kept: the client may resume at the committed size (or start over at 0).
    const status = await backend.writeUpload(name, digest, Number(offset), writeChunks(first.value, requests, name, offset, signal), signal);
    return status.committedSize;
  }
  if (offset !== 0n) {
    throw new ConnectError(`write_offset ${offset}: this server keeps no partial uploads; start at 0`, Code.InvalidArgument);
  }
  const missing = await backend.findMissingBlobs([digest], signal);
  // The spec lets a server end a write early when it holds the blob already.
  if (missing.length === 0) return digest.sizeBytes;
  await backend.writeBlob(digest, writeChunks(first.value, requests, name, 0n, signal), signal);
  return digest.sizeBytes;
}

/**
 * The data of a Write stream from `startOffset` on, checking offsets, names and finish_write as
 * they arrive. Waiting for the next request ends with the call's cancellation, so that a client
 * gone with its connection never leaves a write waiting for data.
 */
async function* writeChunks(
  first: ReceivedWrite,
  rest: AsyncIterator<ReceivedWrite>,
  resourceName: string,
  startOffset: bigint,
  signal: AbortSignal,
): AsyncIterable<BlobChunk> {
  let offset = startOffset;
  let received = first;
  for (;;) {
    const { request, data } = received;
    if (request.resourceName !== "" && request.resourceName !== resourceName) {
      throw new ConnectError("resource_name changed in the middle of a Write", Code.InvalidArgument);
    }
    if (request.writeOffset !== offset) {
      throw new ConnectError(`write_offset ${request.writeOffset} does not follow the ${offset} bytes received`, Code.InvalidArgument);
    }
    const length = byteLengthOf(data);
    if (length > 0) yield data;
    offset += BigInt(length);
    if (request.finishWrite) {
      const after = await untilAborted(rest.next(), signal);
      if (after.done !== true) throw new ConnectError("data after finish_write", Code.InvalidArgument);
      return;
    }
    const next = await untilAborted(rest.next(), signal);
    if (next.done === true) {
      throw new ConnectError("the Write stream ended without finish_write", Code.InvalidArgument);
    }
    received = next.value;
  }
}
