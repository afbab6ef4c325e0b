// ByteStream Read, Write (resumable where the backend keeps partial uploads) and QueryWriteStatus, for CAS blob names only.
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import type { WriteRequest } from "../gen/google/bytestream/bytestream_pb.js";
import { ByteStream } from "../gen/google/bytestream/bytestream_pb.js";
import { supportsResumableUploads } from "../backend/local/resumable-uploads.js";
import { untilAborted } from "../util/until-aborted.js";
import { parseBlobResourceName, parseReadRequest } from "./bytestream-requests.js";
import type { ServerContext } from "./server-context.js";

/** Registers the ByteStream methods on `router`. */
export function registerByteStreamService(router: ConnectRouter, server: ServerContext): void {
  const { backend } = server;
  const methods = ByteStream.method;

  router.rpc(methods.read, async function* (request, context) {
    const { digest, offset, limit } = parseReadRequest(request, server);
    for await (const data of backend.readBlob(digest, { offset, limit, signal: context.signal })) yield { data };
  });

  router.rpc(methods.write, async (requests, context) => {
    const iterator = requests[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (first.done === true) throw new ConnectError("Write received no requests", Code.InvalidArgument);
    const name = first.value.resourceName;
    const { digest } = parseBlobResourceName(name, "write", server);
    const offset = first.value.writeOffset;
    if (offset < 0n || offset > BigInt(digest.sizeBytes)) {
      throw new ConnectError(`write_offset ${offset} is outside the blob's ${digest.sizeBytes} bytes`, Code.InvalidArgument);
    }
    if (supportsResumableUploads(backend)) {
      // Partial uploads are kept: the client may resume at the committed size (or start over at 0).
      const status = await backend.writeUpload(name, digest, Number(offset), writeChunks(first.value, iterator, name, offset, context.signal), context.signal);
      return { committedSize: BigInt(status.committedSize) };
    }
    if (offset !== 0n) {
      throw new ConnectError(
        `write_offset ${offset}: this server keeps no partial uploads; start at 0`,
        Code.InvalidArgument,
      );
    }
    const missing = await backend.findMissingBlobs([digest], context.signal);
    if (missing.length === 0) {
      // The spec lets a server end a write early when it holds the blob already.
      return { committedSize: BigInt(digest.sizeBytes) };
    }
    await backend.writeBlob(digest, writeChunks(first.value, iterator, name, 0n, context.signal), context.signal);
    return { committedSize: BigInt(digest.sizeBytes) };
  });

  router.rpc(methods.queryWriteStatus, async (request, context) => {
    const { digest } = parseBlobResourceName(request.resourceName, "write", server);
    if (supportsResumableUploads(backend)) {
      const status = await backend.queryUpload(request.resourceName, digest, context.signal);
      return { committedSize: BigInt(status.committedSize), complete: status.complete };
    }
    const missing = await backend.findMissingBlobs([digest], context.signal);
    if (missing.length > 0) {
      throw new ConnectError(`no upload of ${request.resourceName} is known`, Code.NotFound);
    }
    return { committedSize: BigInt(digest.sizeBytes), complete: true };
  });
}

/**
 * The data of a Write stream from `startOffset` on, checking offsets, names and finish_write as
 * they arrive. Waiting for the next request ends with the call's cancellation, so that a client
 * gone with its connection never leaves a write waiting for data.
 */
async function* writeChunks(
  first: WriteRequest,
  rest: AsyncIterator<WriteRequest>,
  resourceName: string,
  startOffset: bigint,
  signal: AbortSignal,
): AsyncIterable<Uint8Array> {
  let offset = startOffset;
  let request = first;
  for (;;) {
    if (request.resourceName !== "" && request.resourceName !== resourceName) {
      throw new ConnectError("resource_name changed in the middle of a Write", Code.InvalidArgument);
    }
    if (request.writeOffset !== offset) {
      throw new ConnectError(`write_offset ${request.writeOffset} does not follow the ${offset} bytes received`, Code.InvalidArgument);
    }
    if (request.data.byteLength > 0) yield request.data;
    offset += BigInt(request.data.byteLength);
    if (request.finishWrite) {
      const after = await untilAborted(rest.next(), signal);
      if (after.done !== true) throw new ConnectError("data after finish_write", Code.InvalidArgument);
      return;
    }
    const next = await untilAborted(rest.next(), signal);
    if (next.done === true) {
      throw new ConnectError("the Write stream ended without finish_write", Code.InvalidArgument);
    }
    request = next.value;
  }
}
