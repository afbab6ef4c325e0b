// ContentAddressableStorage: FindMissingBlobs, BatchUpdateBlobs, BatchReadBlobs and GetTree.
import { setMaxListeners } from "node:events";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Backend, BatchItem, BatchReadResult, ItemStatus } from "../backend/backend.js";
import { ContentAddressableStorage } from "../gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { checkDigestFunction, parseDigest, toWireDigest, type BlobDigest } from "../policy/digest.js";
import { checkInstanceName } from "../policy/instance-name.js";
import { batchReadResponseBytes, fitStatusMessages, MAX_BATCH_READ_RESPONSE_BYTES } from "./batch-read-size.js";
import { readWholeBlob } from "./read-whole-blob.js";
import { getTree } from "./get-tree.js";
import { mapConcurrently } from "./map-concurrently.js";
import { backendForCall, backendForHandler } from "./request-metadata.js";
import type { ServerContext } from "./server-context.js";
import type { ReapiRouter } from "./unary-routes.js";
import { statusOf } from "./status-of.js";

/** The google.rpc.Status code for success (Connect's `Code` has no member for it). */
const OK = 0;

/** Blobs of one batch stored or read at once: enough to keep the file system's thread pool busy. */
const BLOB_CONCURRENCY = 16;

/** Registers the CAS methods on `router`. */
export function registerCasService(router: ReapiRouter, server: ServerContext): void {
  const { limits } = server;
  const methods = ContentAddressableStorage.method;

  router.unary(methods.findMissingBlobs, async (request, call) => {
    checkInstanceName(request.instanceName, server.instanceName);
    checkDigestFunction(request.digestFunction);
    const digests = request.blobDigests.map((digest, index) => parseDigest(digest, `blob_digests[${index}]`));
    const missing = await backendForCall(server.backend, call.requestMetadata).findMissingBlobs(digests, call.signal);
    return { missingBlobDigests: missing.map(toWireDigest) };
  });

  router.unary(methods.batchUpdateBlobs, async (request, call) => {
    checkInstanceName(request.instanceName, server.instanceName);
    checkDigestFunction(request.digestFunction);
    checkBatchTotal(
      request.requests.reduce((sum, item) => sum + item.data.byteLength, 0),
      limits.maxBatchTotalSizeBytes,
    );
    // Items that fail validation get their own status; the rest go to the backend together.
    const statuses: (ItemStatus | undefined)[] = [];
    const valid: { index: number; item: BatchItem }[] = [];
    for (const [index, item] of request.requests.entries()) {
      try {
        if (item.compressor !== 0) {
          throw new ConnectError(`requests[${index}]: compressed uploads are not supported`, Code.InvalidArgument);
        }
        const digest = parseDigest(item.digest, `requests[${index}].digest`, limits.maxBlobSizeBytes);
        valid.push({ index, item: { digest, data: item.data } });
        statuses.push(undefined);
      } catch (error) {
        statuses.push(statusOf(error));
      }
    }
    const results = await updateBlobs(backendForCall(server.backend, call.requestMetadata), valid.map(({ item }) => item), call.signal);
    valid.forEach(({ index }, at) => (statuses[index] = results[at]));
    return {
      responses: request.requests.map((item, index) => ({ digest: item.digest, status: statuses[index] ?? { code: OK, message: "" } })),
    };
  });

  router.unary(methods.batchReadBlobs, async (request, call) => {
    checkInstanceName(request.instanceName, server.instanceName);
    checkDigestFunction(request.digestFunction);
    const digests = request.digests.map((digest, index) => parseDigest(digest, `digests[${index}]`));
    checkBatchTotal(
      digests.reduce((sum, digest) => sum + digest.sizeBytes, 0),
      limits.maxBatchTotalSizeBytes,
    );
    checkBatchReadResponse(digests);
    const read = await readBlobs(backendForCall(server.backend, call.requestMetadata), digests, call.signal);
    const results = fitStatusMessages(digests, read, MAX_BATCH_READ_RESPONSE_BYTES);
    return {
      responses: digests.map((digest, index) => {
        const result = results[index] as BatchReadResult;
        return { digest: toWireDigest(digest), status: result.status, ...(result.data !== undefined ? { data: result.data } : {}) };
      }),
    };
  });

  router.rpc(methods.getTree, (request, context) => {
    checkInstanceName(request.instanceName, server.instanceName);
    checkDigestFunction(request.digestFunction);
    const root: BlobDigest = parseDigest(request.rootDigest, "root_digest", limits.maxBatchTotalSizeBytes);
    return getTree(backendForHandler(server, context), root, request.pageSize, request.pageToken, context.signal);
  });
}

/** Stores `items` with the backend's batch call when it has one, else one blob at a time. */
async function updateBlobs(backend: Backend, items: readonly BatchItem[], signal: AbortSignal): Promise<ItemStatus[]> {
  if (items.length === 0) return [];
  if (backend.batchUpdateBlobs !== undefined) return backend.batchUpdateBlobs(items, signal);
  allowConcurrentListeners(signal, items.length);
  return mapConcurrently(items, BLOB_CONCURRENCY, async (item): Promise<ItemStatus> => {
    try {
      await backend.writeBlob(item.digest, [item.data], signal);
      return { code: OK, message: "" };
    } catch (error) {
      return statusOf(error);
    }
  });
}

/** Reads `digests` with the backend's batch call when it has one, else one blob at a time. */
async function readBlobs(backend: Backend, digests: readonly BlobDigest[], signal: AbortSignal): Promise<BatchReadResult[]> {
  if (digests.length === 0) return [];
  if (backend.batchReadBlobs !== undefined) return backend.batchReadBlobs(digests, signal);
  allowConcurrentListeners(signal, digests.length);
  return mapConcurrently(digests, BLOB_CONCURRENCY, async (digest): Promise<BatchReadResult> => {
    try {
      return { status: { code: OK, message: "" }, data: await readWholeBlob(backend, digest, signal) };
    } catch (error) {
      return { status: statusOf(error) };
    }
  });
}

/**
 * Each blob's file operation listens on the call's signal; that many at once is expected, not a
 * leak. One blob's few listeners stay under the default warning limit (10), and raising the limit
 * costs more than reading a small blob, so a single blob leaves it as it is.
 */
function allowConcurrentListeners(signal: AbortSignal, blobs: number): void {
  if (blobs > 1) setMaxListeners(BLOB_CONCURRENCY * 4, signal);
}

function checkBatchTotal(total: number, limit: number): void {
  if (total > limit) {
    throw new ConnectError(
      `the batch holds ${total} bytes of blobs, over this server's limit of ${limit}; use ByteStream for large blobs`,
      Code.InvalidArgument,
    );
  }
}

/** Refuses a BatchReadBlobs whose answer, every blob found, would not fit one gRPC message. */
function checkBatchReadResponse(digests: readonly BlobDigest[]): void {
  const bytes = batchReadResponseBytes(digests);
  if (bytes > MAX_BATCH_READ_RESPONSE_BYTES) {
    throw new ConnectError(
      `the answer to this batch of ${digests.length} blobs would take ${bytes} bytes with its framing, over this server's limit of ${MAX_BATCH_READ_RESPONSE_BYTES} for one message; ask for fewer blobs at once, or use ByteStream`,
      Code.InvalidArgument,
    );
  }
}
