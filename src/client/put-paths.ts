// What `cas put` stores for each path: a directory's tree, or a file (wrapped in a Directory by default).
import { stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import type { BlobSet } from "./blob-set.js";
import { digestOfFile } from "./blob-hash.js";
import type { BlobDigest } from "./digest-text.js";
import { encodeDirectory } from "./directory-message.js";
import { usageError } from "./exit-status.js";
import type { Limiter } from "./limit.js";
import { buildTree } from "./tree-builder.js";

/** One path given to `cas put` and the digest printed for it. */
export interface PutTarget {
  readonly path: string;
  readonly kind: "directory" | "file";
  /** What is printed: a Directory digest, or with `blobDigests` a file's content digest. */
  readonly digest: BlobDigest;
  /** For a file: the digest of its contents. */
  readonly blob?: BlobDigest;
}

/** How files are reported. */
export interface PutOptions {
  /** Print a file's content digest instead of the Directory holding it. */
  readonly blobDigests: boolean;
}

/**
 * Collects the blobs of every path into `blobs` and returns the digest to print for each.
 * A path is followed if it is a symlink. A directory gives its root Directory digest (what
 * casupload prints for it). A file gives, by default, the digest of a Directory holding just
 * that file under its base name (what casupload prints when given the bare file name), so that
 * every printed digest is a tree for `cas get --tree`; with `blobDigests` its content digest.
 */
export async function collectPaths(paths: readonly string[], options: PutOptions, blobs: BlobSet, limit: Limiter): Promise<PutTarget[]> {
  const targets: PutTarget[] = [];
  for (const path of paths) {
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      throw usageError(`cannot put ${path}: ${error.code === "ENOENT" ? "no such file or directory" : error.message}`);
    });
    if (info.isDirectory()) {
      targets.push({ path, kind: "directory", digest: await buildTree(path, blobs, limit) });
    } else if (info.isFile()) {
      const blob = await limit(() => digestOfFile(path, info.size));
      blobs.addFile(path, blob);
      targets.push({ path, kind: "file", digest: options.blobDigests ? blob : wrap(path, blob, (info.mode & 0o100) !== 0, blobs), blob });
    } else {
      throw usageError(`cannot put ${path}: not a regular file or directory`);
    }
  }
  return targets;
}

function wrap(path: string, blob: BlobDigest, executable: boolean, blobs: BlobSet): BlobDigest {
  const directory = encodeDirectory([{ kind: "file", name: basename(resolve(path)), digest: blob, executable }]);
  blobs.addDirectory(directory);
  return directory.digest;
}
