// Walks a directory and builds its REAPI Merkle tree bottom-up, as casupload does by default.
import { lstat, readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import type { BlobSet } from "./blob-set.js";
import { digestOfFile } from "./blob-hash.js";
import type { BlobDigest } from "./digest-text.js";
import { encodeDirectory, type DirectoryEntry } from "./directory-message.js";
import type { Limiter } from "./limit.js";

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Builds the Directory messages of the tree at `path` (a directory), records them and every
 * file's contents in `blobs`, and returns the root Directory's digest.
 *
 * As casupload without options: a file is executable when its owner may execute it; symlinks
 * are kept as symlinks with their target as written, never followed; sockets, FIFOs and devices
 * are left out (listed in `blobs.skipped`); no mtimes or modes are recorded. `limit` bounds
 * the file system calls and hashing running at once.
 */
export async function buildTree(path: string, blobs: BlobSet, limit: Limiter): Promise<BlobDigest> {
  const names = await limit(() => readdir(path, { encoding: "buffer" }));
  const entries = await Promise.all(names.map((raw) => entryOf(path, utf8Name(raw, path), blobs, limit)));
  const directory = encodeDirectory(entries.filter((entry): entry is DirectoryEntry => entry !== undefined));
  blobs.addDirectory(directory);
  return directory.digest;
}

async function entryOf(parent: string, name: string, blobs: BlobSet, limit: Limiter): Promise<DirectoryEntry | undefined> {
  const path = join(parent, name);
  const info = await limit(() => lstat(path));
  if (info.isDirectory()) return { kind: "directory", name, digest: await buildTree(path, blobs, limit) };
  if (info.isSymbolicLink()) {
    const target = await limit(() => readlink(path, { encoding: "buffer" }));
    return { kind: "symlink", name, target: utf8Text(target, `the target of ${path}`) };
  }
  if (info.isFile()) {
    const digest = await limit(() => digestOfFile(path, info.size));
    blobs.addFile(path, digest);
    return { kind: "file", name, digest, executable: (info.mode & 0o100) !== 0 };
  }
  blobs.skipped.push(path);
  return undefined;
}

function utf8Name(raw: Buffer, parent: string): string {
  return utf8Text(raw, `a name in ${parent}`);
}

/** REAPI names and targets are protobuf strings: UTF-8 or nothing. */
function utf8Text(raw: Buffer, what: string): string {
  try {
    return STRICT_UTF8.decode(raw);
  } catch {
    throw new Error(`${what} is not valid UTF-8 (${JSON.stringify(raw.toString("latin1"))}); REAPI names must be`);
  }
}
