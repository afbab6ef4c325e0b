// `store gc`: removes leftovers in tmp/ and evicts least recently used blobs down to a quota.
import { removeStaleTempFiles, DEFAULT_STALE_AGES, type StaleAges } from "./stale-temp-files.js";
import { StoreQuota, scanBlobs } from "./store-quota.js";
import type { StoreLayout } from "./store-layout.js";

/** What `store gc` does. */
export interface GcOptions {
  /** Evict down to the low watermark when the blobs take more than this; no eviction when absent. */
  readonly quotaBytes?: number;
  readonly staleAges?: StaleAges;
}

/** What `store gc` did. */
export interface GcReport {
  readonly tempFilesRemoved: number;
  readonly tempBytesRemoved: number;
  readonly blobsEvicted: number;
  readonly bytesEvicted: number;
  /** The blobs left, and their bytes. */
  readonly blobs: number;
  readonly blobBytes: number;
}

/**
 * Removes temp files of dead writers and abandoned partial uploads (never recent ones: safe beside
 * running writers), then, with a quota, evicts the least recently used blobs when over it.
 */
export async function collectGarbage(layout: StoreLayout, options: GcOptions = {}): Promise<GcReport> {
  const temp = await removeStaleTempFiles(layout, options.staleAges ?? DEFAULT_STALE_AGES);
  let evicted = { blobs: 0, bytes: 0 };
  if (options.quotaBytes !== undefined) {
    const quota = await StoreQuota.open(layout, options.quotaBytes);
    evicted = await quota.enforce({ isProtected: () => false });
  }
  const left = await scanBlobs(layout);
  return {
    tempFilesRemoved: temp.files,
    tempBytesRemoved: temp.bytes,
    blobsEvicted: evicted.blobs,
    bytesEvicted: evicted.bytes,
    blobs: left.blobs.length,
    blobBytes: left.bytes,
  };
}
