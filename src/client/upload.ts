// Uploads what `cas put` collected: FindMissingBlobs, then batches for small blobs and ByteStream for large.
import { planBatches } from "./batch-plan.js";
import { uploadBatch, type UploadSource } from "./batch-upload.js";
import type { BlobSet } from "./blob-set.js";
import { writeBlob } from "./bytestream-write.js";
import { digestText, type BlobDigest } from "./digest-text.js";
import { findMissing } from "./find-missing.js";
import { failureError } from "./exit-status.js";
import { createLimiter } from "./limit.js";
import type { Progress } from "./progress.js";
import type { ReapiClients } from "./reapi-clients.js";
import type { TransferLimits } from "./transfer-limits.js";

/** What an upload did. */
export interface UploadSummary {
  /** Distinct blobs of the trees and files, and their bytes. */
  readonly blobs: number;
  readonly bytes: number;
  /** The ones the server lacked and got. */
  readonly uploadedBlobs: number;
  readonly uploadedBytes: number;
}

const BATCHES_AT_ONCE = 4;
const STREAMS_AT_ONCE = 2;

/**
 * Uploads every blob of `blobs` the server does not hold: asks FindMissingBlobs first, sends
 * small blobs (most Directory messages, small files) in BatchUpdateBlobs calls within
 * `limits.maxBatchBytes`, and streams the others (from disk for files) with ByteStream Write.
 * `progress` counts the bytes sent.
 */
export async function uploadBlobSet(clients: ReapiClients, limits: TransferLimits, blobs: BlobSet, progress: Progress): Promise<UploadSummary> {
  const sources = new Map<string, UploadSource>();
  for (const directory of blobs.directories.values()) sources.set(directory.digest.hash, { digest: directory.digest, bytes: directory.bytes });
  for (const file of blobs.files.values()) if (!sources.has(file.digest.hash)) sources.set(file.digest.hash, file);
  const all = [...sources.values()];
  const missing = await findMissing(clients, all.map((source) => source.digest));
  const toSend = missing.map((digest) => sourceOf(sources, digest));
  for (const source of toSend) {
    if (source.digest.sizeBytes > limits.maxBlobBytes) {
      throw failureError(`${"path" in source ? source.path : digestText(source.digest)} is ${source.digest.sizeBytes} bytes, over the server's largest blob (${limits.maxBlobBytes})`);
    }
  }
  const uploadedBytes = toSend.reduce((sum, source) => sum + source.digest.sizeBytes, 0);
  progress.addTotal(uploadedBytes);

  const plan = planBatches(toSend, limits.maxBatchBytes);
  const batchSlot = createLimiter(BATCHES_AT_ONCE);
  const streamSlot = createLimiter(STREAMS_AT_ONCE);
  await Promise.all([
    ...plan.batches.map((batch) =>
      batchSlot(async () => {
        await uploadBatch(clients, batch);
        progress.add(batch.reduce((sum, source) => sum + source.digest.sizeBytes, 0));
      }),
    ),
    ...plan.streamed.map((source) =>
      streamSlot(() => writeBlob(clients, source, source.digest, (bytes) => progress.add(bytes))),
    ),
  ]);
  return {
    blobs: all.length,
    bytes: all.reduce((sum, source) => sum + source.digest.sizeBytes, 0),
    uploadedBlobs: toSend.length,
    uploadedBytes,
  };
}

function sourceOf(sources: ReadonlyMap<string, UploadSource>, digest: BlobDigest): UploadSource {
  const source = sources.get(digest.hash);
  if (source === undefined) throw failureError(`FindMissingBlobs answered ${digestText(digest)}, which was not asked about`);
  return source;
}
