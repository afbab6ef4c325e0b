// Least-recently-used eviction: which blobs to remove to bring the store under a size, and removing them.
import { rm } from "node:fs/promises";
import type { BlobFile } from "./store-scan.js";

/** The blobs to remove and what is left. */
export interface EvictionPlan {
  /** Oldest first. */
  readonly victims: readonly BlobFile[];
  /** Bytes of blobs left once the victims are gone. */
  readonly remainingBytes: number;
  /** Whether `remainingBytes` is at most the target. */
  readonly fits: boolean;
}

/**
 * Picks blobs least recently used first (oldest mtime; the store touches blobs it hands out),
 * skipping protected ones, until the bytes left are at most `targetBytes`. When even removing
 * every unprotected blob is not enough, `fits` is false and the plan removes them all; callers
 * that must not lose blobs for nothing check `fits` first.
 */
export function planEviction(
  blobs: readonly BlobFile[],
  isProtected: (hash: string) => boolean,
  targetBytes: number,
): EvictionPlan {
  let remainingBytes = blobs.reduce((sum, blob) => sum + blob.size, 0);
  const victims: BlobFile[] = [];
  const candidates = blobs
    .filter((blob) => blob.hash !== undefined && !isProtected(blob.hash))
    .sort((a, b) => a.mtimeMs - b.mtimeMs || a.name.localeCompare(b.name));
  for (const blob of candidates) {
    if (remainingBytes <= targetBytes) break;
    victims.push(blob);
    remainingBytes -= blob.size;
  }
  return { victims, remainingBytes, fits: remainingBytes <= targetBytes };
}

/** Removes the planned blobs; returns the bytes freed (a blob another process removed first frees nothing). */
export async function removeBlobs(victims: readonly BlobFile[]): Promise<number> {
  let freed = 0;
  for (const blob of victims) {
    try {
      await rm(blob.path);
      freed += blob.size;
    } catch (error) {
      if ((error as { code?: unknown }).code !== "ENOENT") throw error;
    }
  }
  return freed;
}
