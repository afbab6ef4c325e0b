// Least-recently-used eviction: which blobs to remove to bring the store under a size, and removing them.
import { rm } from "node:fs/promises";
import type { BlobFile } from "./store-scan.js";

/** What eviction asks of the store whose blobs it removes. */
export interface EvictionGuard {
  /** True for a blob that must stay: asked when planning, and again just before the blob is removed. */
  isProtected(hash: string): boolean;
  /**
   * Told that a blob's file is being removed (`true`, just before) and that its removal has ended
   * (`false`): in between, the store must not hand the blob out, since its file may vanish.
   */
  removing?(hash: string, underWay: boolean): void;
}

/** A blob file whose name is a hash in its right place. */
type HashedBlobFile = BlobFile & { readonly hash: string };

/** The blobs to remove and what is left. */
export interface EvictionPlan {
  /** Oldest first. */
  readonly victims: readonly HashedBlobFile[];
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
export function planEviction(blobs: readonly BlobFile[], guard: EvictionGuard, targetBytes: number): EvictionPlan {
  let remainingBytes = blobs.reduce((sum, blob) => sum + blob.size, 0);
  const victims: HashedBlobFile[] = [];
  const candidates = blobs
    .filter((blob): blob is HashedBlobFile => blob.hash !== undefined && !guard.isProtected(blob.hash))
    .sort((a, b) => a.mtimeMs - b.mtimeMs || a.name.localeCompare(b.name));
  for (const blob of candidates) {
    if (remainingBytes <= targetBytes) break;
    victims.push(blob);
    remainingBytes -= blob.size;
  }
  return { victims, remainingBytes, fits: remainingBytes <= targetBytes };
}

/**
 * Removes the planned blobs, each unless it became protected since the plan was made (a client
 * found or read it meanwhile); returns the bytes freed (a blob skipped, or another process removed
 * first, frees nothing).
 */
export async function removeBlobs(victims: readonly HashedBlobFile[], guard: EvictionGuard): Promise<number> {
  let freed = 0;
  for (const blob of victims) {
    if (guard.isProtected(blob.hash)) continue;
    guard.removing?.(blob.hash, true);
    try {
      await rm(blob.path);
      freed += blob.size;
    } catch (error) {
      if ((error as { code?: unknown }).code !== "ENOENT") throw error;
    } finally {
      guard.removing?.(blob.hash, false);
    }
  }
  return freed;
}
