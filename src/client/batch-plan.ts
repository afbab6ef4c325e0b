// Splits blobs into batches that fit the server's batch size, and the ones to stream instead.
import type { BlobDigest } from "./digest-text.js";
import { BATCH_ITEM_OVERHEAD } from "./transfer-limits.js";

/** Blobs grouped for BatchUpdateBlobs/BatchReadBlobs, and those too large for any batch. */
export interface BatchPlan<T> {
  readonly batches: T[][];
  readonly streamed: T[];
}

/**
 * Groups `items` in order into batches whose sizes plus {@link BATCH_ITEM_OVERHEAD} each stay
 * within `maxBatchBytes`; an item that cannot fit even alone goes to `streamed` (ByteStream).
 * At most `maxItems` blobs per batch.
 */
export function planBatches<T extends { readonly digest: BlobDigest }>(items: readonly T[], maxBatchBytes: number, maxItems = 10_000): BatchPlan<T> {
  const batches: T[][] = [];
  const streamed: T[] = [];
  let current: T[] = [];
  let used = 0;
  for (const item of items) {
    const cost = item.digest.sizeBytes + BATCH_ITEM_OVERHEAD;
    if (cost > maxBatchBytes) {
      streamed.push(item);
      continue;
    }
    if (used + cost > maxBatchBytes || current.length >= maxItems) {
      batches.push(current);
      current = [];
      used = 0;
    }
    current.push(item);
    used += cost;
  }
  if (current.length > 0) batches.push(current);
  return { batches, streamed };
}
