// Marks a blob as used by moving its mtime to now, at most once per interval: LRU order that survives noatime.
import { utimes } from "node:fs/promises";

/** By default a blob's mtime moves at most once a minute, so reads of hot blobs cost no writes. */
export const DEFAULT_TOUCH_INTERVAL_MS = 60 * 1000;

/**
 * Sets the mtime (and atime) of `path` to now when `mtimeMs` is older than `intervalMs`. Failures
 * (a read-only cache, a file removed meanwhile) are ignored: the order is a hint, never a reason to fail.
 */
export async function touchIfStale(path: string, mtimeMs: number, intervalMs: number): Promise<void> {
  const now = Date.now();
  if (now - mtimeMs < intervalMs) return;
  const seconds = now / 1000;
  await utimes(path, seconds, seconds).catch(() => undefined);
}
