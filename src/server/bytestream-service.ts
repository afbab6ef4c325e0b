// ByteStream Read, Write (resumable where the backend keeps partial uploads) and QueryWriteStatus, for CAS blob names only.
import { Code, ConnectError } from "@connectrpc/connect";
import { ByteStream } from "../gen/google/bytestream/bytestream_pb.js";
import { supportsResumableUploads } from "../backend/local/resumable-uploads.js";
import { parseBlobResourceName, parseReadRequest } from "./bytestream-requests.js";
import { receivedWhole, receiveWrite, type ReceivedWrite } from "./bytestream-write.js";
import { backendForCall, backendForHandler } from "./request-metadata.js";
import type { ServerContext } from "./server-context.js";
import type { ReapiRouter } from "./unary-routes.js";

/** Registers the ByteStream methods on `router`. */
export function registerByteStreamService(router: ReapiRouter, server: ServerContext): void {
  const methods = ByteStream.method;

  router.rpc(methods.read, async function* (request, context) {
    const { digest, offset, limit } = parseReadRequest(request, server);
    for await (const data of backendForHandler(server, context).readBlob(digest, { offset, limit, signal: context.signal })) yield { data };
  });

  router.rpc(methods.write, async (requests, context) => {
    async function* received(): AsyncGenerator<ReceivedWrite, void, undefined> {
      for await (const request of requests) yield receivedWhole(request);
    }
    const committedSize = await receiveWrite(received(), backendForHandler(server, context), server, context.signal);
    return { committedSize: BigInt(committedSize) };
  });

  router.unary(methods.queryWriteStatus, async (request, call) => {
    const { digest } = parseBlobResourceName(request.resourceName, "write", server);
    const backend = backendForCall(server.backend, call.requestMetadata);
    if (supportsResumableUploads(backend)) {
      const status = await backend.queryUpload(request.resourceName, digest, call.signal);
      return { committedSize: BigInt(status.committedSize), complete: status.complete };
    }
    const missing = await backend.findMissingBlobs([digest], call.signal);
    if (missing.length > 0) {
      throw new ConnectError(`no upload of ${request.resourceName} is known`, Code.NotFound);
    }
    return { committedSize: BigInt(digest.sizeBytes), complete: true };
  });
}
