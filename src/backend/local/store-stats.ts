// Counts what a store holds: blobs, action-cache entries, temp files and partial uploads, with their bytes.
import { scanActionFiles, scanBlobFiles, listTempFiles } from "./store-scan.js";
import type { StoreLayout } from "./store-layout.js";

/** A count of files and their total size. */
export interface FileTally {
  readonly count: number;
  readonly bytes: number;
}

/** What `store stats` reports. */
export interface StoreStats {
  readonly blobs: FileTally;
  readonly actionResults: FileTally;
  /** Temp files of writes in progress or left by crashed writers. */
  readonly tempFiles: FileTally;
  /** Partial resumable uploads. */
  readonly partialUploads: FileTally;
}

/** Walks the store once and counts. Files in cas/ whose name is not a blob's are not counted as blobs. */
export async function storeStats(layout: StoreLayout): Promise<StoreStats> {
  const blobs = tally();
  for await (const file of scanBlobFiles(layout)) if (file.hash !== undefined) blobs.add(file.size);
  const actionResults = tally();
  for await (const file of scanActionFiles(layout)) actionResults.add(file.size);
  const tempFiles = tally();
  const partialUploads = tally();
  for (const file of await listTempFiles(layout)) (file.kind.kind === "upload" ? partialUploads : tempFiles).add(file.size);
  return { blobs: blobs.done(), actionResults: actionResults.done(), tempFiles: tempFiles.done(), partialUploads: partialUploads.done() };
}

function tally() {
  let count = 0;
  let bytes = 0;
  return {
    add(size: number): void {
      count++;
      bytes += size;
    },
    done: (): FileTally => ({ count, bytes }),
  };
}
