// Removes what crashed or abandoned writers left in tmp/, never a file a live writer may still use.
import { rm } from "node:fs/promises";
import { isProcessAlive } from "./process-alive.js";
import { listTempFiles, type TempFile } from "./store-scan.js";
import type { StoreLayout } from "./store-layout.js";

/** A temp file untouched this long, whose writer's process is gone, is a leftover. */
export const TEMP_FILE_MAX_AGE_MS = 60 * 60 * 1000;
/** A resumable upload untouched this long is abandoned. */
export const UPLOAD_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** When tmp/ files count as left behind. */
export interface StaleAges {
  /** Age (since last write) after which a temp file of a dead process is removed. */
  readonly tempMaxAgeMs: number;
  /** Age after which a partial upload is removed. */
  readonly uploadMaxAgeMs: number;
  /** The current time, for tests. */
  readonly now?: number;
}

/** The defaults: an hour for temp files, a day for partial uploads. */
export const DEFAULT_STALE_AGES: StaleAges = { tempMaxAgeMs: TEMP_FILE_MAX_AGE_MS, uploadMaxAgeMs: UPLOAD_MAX_AGE_MS };

/** What a cleanup removed. */
export interface CleanupResult {
  readonly files: number;
  readonly bytes: number;
}

/**
 * Removes temp files older than `tempMaxAgeMs` whose writer (the pid in the name) is no longer
 * running, and partial uploads older than `uploadMaxAgeMs`. Recent files are never touched, so a
 * concurrent writer, in this process or another, is safe; names this store does not make are left.
 */
export async function removeStaleTempFiles(layout: StoreLayout, ages: StaleAges = DEFAULT_STALE_AGES): Promise<CleanupResult> {
  const now = ages.now ?? Date.now();
  let files = 0;
  let bytes = 0;
  for (const file of await listTempFiles(layout)) {
    if (!isStale(file, now, ages)) continue;
    await rm(file.path, { force: true });
    files++;
    bytes += file.size;
  }
  return { files, bytes };
}

function isStale(file: TempFile, now: number, ages: StaleAges): boolean {
  const age = now - file.mtimeMs;
  switch (file.kind.kind) {
    case "temp":
      return age > ages.tempMaxAgeMs && !isProcessAlive(file.kind.pid);
    case "upload":
      return age > ages.uploadMaxAgeMs;
    case "unknown":
      return false;
  }
}
