// Audits what is on disk: an embedded store holds only verified blobs and well-named entries.
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fromBinary } from "@bufbuild/protobuf";
import { ActionResultSchema } from "../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";

const HEX2 = /^[0-9a-f]{2}$/;
const BLOB_NAME = /^[0-9a-f]{64}$/;
const AC_NAME = /^[0-9a-f]{64}-(0|[1-9][0-9]*)$/;
/** A resumable ByteStream upload kept in tmp/: named by the SHA-256 of its resource name, never by the name. */
export const UPLOAD_PARTIAL = /^upload-[0-9a-f]{64}\.partial$/;

/** Every entry below `dir`, relative to it, directories with a trailing `/`, sorted. */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .map((entry) => `${relative(dir, join(entry.parentPath, entry.name))}${entry.isDirectory() ? "/" : ""}`)
    .sort();
}

/** The entries of `tmp/` in a store: uploads in progress, or leftovers once nothing is. */
export async function storeTmpEntries(storeDir: string): Promise<string[]> {
  return (await readdir(join(storeDir, "tmp"))).sort();
}

/** The entries of `tmp/` other than kept resumable uploads: temp files of writes in progress, or leftovers. */
export async function storeTempFiles(storeDir: string): Promise<string[]> {
  return (await storeTmpEntries(storeDir)).filter((name) => !UPLOAD_PARTIAL.test(name));
}

/**
 * What is wrong with a store directory; [] when it holds exactly `ac/`, `cas/` and `tmp/`, every
 * blob sits at `cas/<hh>/<sha256 of its bytes>`, every action result at `ac/<hh>/<hash>-<size>`
 * and parses, and `tmp/` is empty, or holds only resumable uploads when `partialUploads` is set.
 */
export async function storeProblems(storeDir: string, options: { partialUploads?: boolean } = {}): Promise<string[]> {
  const problems: string[] = [];
  const top = (await readdir(storeDir)).sort();
  if (top.join(",") !== "ac,cas,tmp") problems.push(`top level holds ${JSON.stringify(top)}`);
  const leftovers = options.partialUploads === true ? await storeTempFiles(storeDir) : await storeTmpEntries(storeDir);
  for (const entry of leftovers) problems.push(`tmp/${entry} left behind`);
  for (const [area, pattern] of [["cas", BLOB_NAME], ["ac", AC_NAME]] as const) {
    for (const shard of await readdir(join(storeDir, area), { withFileTypes: true })) {
      const shardPath = `${area}/${shard.name}`;
      if (!shard.isDirectory() || !HEX2.test(shard.name)) {
        problems.push(`${shardPath} is not a two-hex-digit directory`);
        continue;
      }
      for (const file of await readdir(join(storeDir, shardPath), { withFileTypes: true })) {
        const filePath = `${shardPath}/${file.name}`;
        if (!file.isFile() || !pattern.test(file.name) || !file.name.startsWith(shard.name)) {
          problems.push(`${filePath} is not a well-named ${area} file`);
          continue;
        }
        const bytes = await readFile(join(storeDir, filePath));
        if (area === "cas" && createHash("sha256").update(bytes).digest("hex") !== file.name) {
          problems.push(`${filePath} does not hold the bytes its name promises`);
        }
        if (area === "ac") {
          try {
            fromBinary(ActionResultSchema, bytes);
          } catch {
            problems.push(`${filePath} is not an ActionResult`);
          }
        }
      }
    }
  }
  return problems;
}

/** Polls `check` until it returns true or `ms` pass; resolves to its last answer. */
export async function eventually(check: () => Promise<boolean>, ms = 3000): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
