// Names of the files in the store's tmp/ directory: uploads in progress, resumable uploads, and telling them apart.
import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import type { StoreLayout } from "./store-layout.js";

/** Six random hex digits drawn once per process: with the pid, they keep this process's temp names apart from those of any other (a reused pid included). */
const processTag = randomBytes(3).toString("hex");
let tempCounter = 0;

/** A fresh, unique temporary file name for an upload in progress: `<label>.<pid>.<12 hex>.tmp`. */
export function tempPath(layout: StoreLayout, label: string): string {
  tempCounter = (tempCounter + 1) % 0x1000000;
  return join(layout.tmpDir, `${label}.${process.pid}.${processTag}${tempCounter.toString(16).padStart(6, "0")}.tmp`);
}

/** Suffix of the file that holds a resumable ByteStream upload's bytes so far. */
export const UPLOAD_SUFFIX = ".partial";

/**
 * The file holding the bytes of the resumable upload named `resourceName` so far:
 * `tmp/upload-<sha256 of the name>.partial`. The same name always maps to the same file, so that
 * a client (or a later process on this store) can resume it.
 */
export function uploadPath(layout: StoreLayout, resourceName: string): string {
  const key = createHash("sha256").update(resourceName).digest("hex");
  return join(layout.tmpDir, `upload-${key}${UPLOAD_SUFFIX}`);
}

/** What a file name in tmp/ says about the file. */
export type TempFileKind =
  | { readonly kind: "temp"; readonly pid: number }
  | { readonly kind: "upload" }
  | { readonly kind: "unknown" };

/** Tells a {@link tempPath} file (with its writer's pid) from an {@link uploadPath} file and from anything else. */
export function classifyTempName(name: string): TempFileKind {
  const temp = /\.([1-9][0-9]{0,9})\.[0-9a-f]{12}\.tmp$/.exec(name);
  if (temp !== null) return { kind: "temp", pid: Number(temp[1]) };
  if (/^upload-[0-9a-f]{64}\.partial$/.test(name)) return { kind: "upload" };
  return { kind: "unknown" };
}
