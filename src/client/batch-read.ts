// BatchReadBlobs for small blobs, each checked against its digest.
import { Code } from "@connectrpc/connect";
import { planBatches } from "./batch-plan.js";
import { checkItemStatus } from "./batch-status.js";
import { EMPTY_BLOB_DIGEST } from "../policy/digest.js";
import { digestOfBytes } from "./blob-hash.js";
import { readBlobBytes } from "./bytestream-read.js";
import { digestText, type BlobDigest } from "./digest-text.js";
import { corruptError, failureError, notFoundError } from "./exit-status.js";
import { createLimiter } from "./limit.js";
import type { ReapiClients } from "./reapi-clients.js";
import type { TransferLimits } from "./transfer-limits.js";

const BATCHES_AT_ONCE = 4;

/**
 * Fetches the blobs `digests` into memory: batches within `limits.maxBatchBytes`, ByteStream
 * for any too large for a batch. `onBlob` gets each verified blob as it arrives (then it may
 * be dropped); a missing blob is a not-found error (exit 1), a wrong one corrupt (exit 5).
 */
export async function readBlobs(
  clients: ReapiClients,
  limits: TransferLimits,
  digests: readonly BlobDigest[],
  onBlob: (digest: BlobDigest, data: Uint8Array) => Promise<void> | void,
): Promise<void> {
  const unique = [...new Map(digests.map((digest) => [digest.hash, digest])).values()].filter((digest) => digest.hash !== EMPTY_BLOB_DIGEST.hash);
  // Every CAS holds the empty blob; no need to ask.
  if (unique.length < new Set(digests.map((digest) => digest.hash)).size) await onBlob(EMPTY_BLOB_DIGEST, new Uint8Array());
  const plan = planBatches(unique.map((digest) => ({ digest })), limits.maxBatchBytes);
  const slot = createLimiter(BATCHES_AT_ONCE);
  await Promise.all([
    ...plan.batches.map((batch) => slot(() => readBatch(clients, batch.map((item) => item.digest), onBlob))),
    ...plan.streamed.map((item) => slot(async () => onBlob(item.digest, await readBlobBytes(clients, item.digest)))),
  ]);
}

async function readBatch(clients: ReapiClients, digests: readonly BlobDigest[], onBlob: (digest: BlobDigest, data: Uint8Array) => Promise<void> | void): Promise<void> {
  const response = await clients.cas.batchReadBlobs({
    instanceName: clients.instanceName,
    digests: digests.map((digest) => ({ hash: digest.hash, sizeBytes: BigInt(digest.sizeBytes) })),
  });
  const byKey = new Map(response.responses.map((entry) => [`${entry.digest?.hash}/${entry.digest?.sizeBytes}`, entry]));
  for (const digest of digests) {
    const entry = byKey.get(digestText(digest));
    if (entry === undefined) throw failureError(`BatchReadBlobs answered nothing for ${digestText(digest)}`);
    if (entry.status?.code === Code.NotFound) throw notFoundError(`blob ${digestText(digest)} is not in the CAS`);
    checkItemStatus("BatchReadBlobs", digest, entry.status);
    const actual = digestOfBytes(entry.data);
    if (actual.hash !== digest.hash || actual.sizeBytes !== digest.sizeBytes) {
      throw corruptError(`blob ${digestText(digest)} from the server does not match its digest`);
    }
    await onBlob(digest, entry.data);
  }
}
