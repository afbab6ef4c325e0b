// ContentAddressableStorage: FindMissingBlobs, BatchUpdateBlobs, BatchReadBlobs and GetTree.
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { ContentAddressableStorage } from "../gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { parseDigest, toWireDigest, type BlobDigest } from "../policy/digest.js";
import { checkInstanceName } from "../policy/instance-name.js";
import { readWholeBlob } from "./read-whole-blob.js";
import { getTree } from "./get-tree.js";
import type { ServerContext } from "./server-context.js";
import { statusOf } from "./status-of.js";

/** The google.rpc.Status code for success (Connect's `Code` has no member for it). */
const OK = 0;

/** Registers the CAS methods on `router`. */
export function registerCasService(router: ConnectRouter, server: ServerContext): void {
  const { backend, limits } = server;
  const methods = ContentAddressableStorage.method;

  router.rpc(methods.findMissingBlobs, async (request, context) => {
    checkInstanceName(request.instanceName, server.instanceName);
    const digests = request.blobDigests.map((digest, index) => parseDigest(digest, `blob_digests[${index}]`));
    const missing = await backend.findMissingBlobs(digests, context.signal);
    return { missingBlobDigests: missing.map(toWireDigest) };
  });

  router.rpc(methods.batchUpdateBlobs, async (request, context) => {
    checkInstanceName(request.instanceName, server.instanceName);
    checkBatchTotal(
      request.requests.reduce((sum, item) => sum + item.data.byteLength, 0),
      limits.maxBatchTotalSizeBytes,
    );
    const responses = [];
    for (const [index, item] of request.requests.entries()) {
      let status;
      try {
        if (item.compressor !== 0) {
          throw new ConnectError(`requests[${index}]: compressed uploads are not supported`, Code.InvalidArgument);
        }
        const digest = parseDigest(item.digest, `requests[${index}].digest`, limits.maxBlobSizeBytes);
        await backend.writeBlob(digest, [item.data], context.signal);
        status = { code: OK, message: "" };
      } catch (error) {
        status = statusOf(error);
      }
      responses.push({ digest: item.digest, status });
    }
    return { responses };
  });

  router.rpc(methods.batchReadBlobs, async (request, context) => {
    checkInstanceName(request.instanceName, server.instanceName);
    const digests = request.digests.map((digest, index) => parseDigest(digest, `digests[${index}]`));
    checkBatchTotal(
      digests.reduce((sum, digest) => sum + digest.sizeBytes, 0),
      limits.maxBatchTotalSizeBytes,
    );
    const responses = [];
    for (const digest of digests) {
      try {
        const data = await readWholeBlob(backend, digest, context.signal);
        responses.push({ digest: toWireDigest(digest), data, status: { code: OK, message: "" } });
      } catch (error) {
        responses.push({ digest: toWireDigest(digest), status: statusOf(error) });
      }
    }
    return { responses };
  });

  router.rpc(methods.getTree, (request, context) => {
    checkInstanceName(request.instanceName, server.instanceName);
    const root: BlobDigest = parseDigest(request.rootDigest, "root_digest", limits.maxBatchTotalSizeBytes);
    return getTree(backend, root, request.pageSize, request.pageToken, context.signal);
  });
}

function checkBatchTotal(total: number, limit: number): void {
  if (total > limit) {
    throw new ConnectError(
      `the batch holds ${total} bytes of blobs, over this server's limit of ${limit}; use ByteStream for large blobs`,
      Code.InvalidArgument,
    );
  }
}
