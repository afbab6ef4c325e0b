// ByteStream Read, Write (resumable where the backend keeps partial uploads) and QueryWriteStatus, for CAS blob names only.
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import type { WriteRequest } from "../gen/google/bytestream/bytestream_pb.js";
import { ByteStream } from "../gen/google/bytestream/bytestream_pb.js";
import { checkInstanceName } from "../policy/instance-name.js";
import { parseReadResourceName, parseWriteResourceName, type BlobResourceName } from "../policy/resource-name.js";
import { supportsResumableUploads } from "../backend/local/resumable-uploads.js";
import type { ServerContext } from "./server-context.js";
import { untilAborted } from "../util/until-aborted.js";

/** Registers the ByteStream methods on `router`. */
export function registerByteStreamService(router: ConnectRouter, server: ServerContext): void {
  const { backend, limits } = server;
  const methods = ByteStream.method;

  const parseName = (name: string, kind: "read" | "write"): BlobResourceName => {
    const parsed =
      kind === "read"
        ? parseReadResourceName(name, limits.maxBlobSizeBytes)
        : parseWriteResourceName(name, limits.maxBlobSizeBytes);
    checkInstanceName(parsed.instanceName, server.instanceName);
    if (parsed.compressor !== undefined && parsed.compressor !== "identity") {
      throw new ConnectError(`compressor ${JSON.stringify(parsed.compressor)} is not supported by this server`, Code.InvalidArgument);
    }
    return parsed;
  };

  router.rpc(methods.read, async function* (request, context) {
    const { digest } = parseName(request.resourceName, "read");
    if (request.readOffset < 0n) throw new ConnectError("read_offset is negative", Code.OutOfRange);
    if (request.readLimit < 0n) throw new ConnectError("read_limit is negative", Code.InvalidArgument);
    if (request.readOffset > BigInt(digest.sizeBytes)) {
      throw new ConnectError(`read_offset ${request.readOffset} is past the blob's ${digest.sizeBytes} bytes`, Code.OutOfRange);
    }
    const options = {
      offset: Number(request.readOffset),
      limit: Number(request.readLimit),
      signal: context.signal,
    };
    for await (const data of backend.readBlob(digest, options)) yield { data };
  });

  router.rpc(methods.write, async (requests, context) => {
    const iterator = requests[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (first.done === true) throw new ConnectError("Write received no requests", Code.InvalidArgument);
    const name = first.value.resourceName;
    const { digest } = parseName(name, "write");
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
    const { digest } = parseName(request.resourceName, "write");
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
