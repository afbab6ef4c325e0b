// Fetches every Directory message of a tree, level by level, and checks that each is well formed.
import { fromBinary } from "@bufbuild/protobuf";
import { DirectorySchema, type Directory } from "../gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { readBlobs } from "./batch-read.js";
import { digestText, fromWire, type BlobDigest } from "./digest-text.js";
import { checkEntryName } from "./directory-message.js";
import { corruptError } from "./exit-status.js";
import type { ReapiClients } from "./reapi-clients.js";
import type { TransferLimits } from "./transfer-limits.js";

/** A tree's Directory messages by hash, each checked. */
export interface FetchedTree {
  readonly root: BlobDigest;
  readonly directories: ReadonlyMap<string, Directory>;
}

/** Trees deeper than this are refused: no real tree is, and it bounds the work a bad server can cause. */
const MAX_DEPTH = 1024;

/**
 * Fetches the Directory `root` and every Directory below it (each distinct one once, in
 * batches per level). Throws not-found (exit 1) when one is missing, and corrupt-data
 * (exit 5) when a blob is not a well-formed Directory: bad names, a name twice, a missing
 * or malformed digest.
 */
export async function fetchTree(clients: ReapiClients, limits: TransferLimits, root: BlobDigest): Promise<FetchedTree> {
  const directories = new Map<string, Directory>();
  let level: BlobDigest[] = [root];
  for (let depth = 0; level.length > 0; depth++) {
    if (depth > MAX_DEPTH) throw corruptError(`tree ${digestText(root)} is deeper than ${MAX_DEPTH} levels`);
    const next = new Map<string, BlobDigest>();
    await readBlobs(clients, limits, level, (digest, data) => {
      const directory = parseDirectory(digest, data);
      directories.set(digest.hash, directory);
      for (const child of directory.directories) {
        const childDigest = fromWire(child.digest, "");
        if (!directories.has(childDigest.hash)) next.set(childDigest.hash, childDigest);
      }
    });
    level = [...next.values()].filter((digest) => !directories.has(digest.hash));
  }
  return { root, directories };
}

/** Decodes and checks one Directory message. */
export function parseDirectory(digest: BlobDigest, data: Uint8Array): Directory {
  const what = `Directory ${digestText(digest)}`;
  let directory: Directory;
  try {
    directory = fromBinary(DirectorySchema, data);
  } catch {
    throw corruptError(`${what} is not a Directory message (fetch blobs without --tree)`);
  }
  const names = new Set<string>();
  const entries = [...directory.files, ...directory.directories, ...directory.symlinks];
  try {
    for (const entry of entries) {
      checkEntryName(entry.name);
      if (names.has(entry.name)) throw new Error(`the name ${JSON.stringify(entry.name)} appears twice`);
      names.add(entry.name);
    }
    for (const link of directory.symlinks) {
      if (link.target === "" || link.target.includes("\0")) throw new Error(`the symlink ${JSON.stringify(link.name)} has an empty or NUL-holding target`);
    }
    for (const node of [...directory.files, ...directory.directories]) fromWire(node.digest, JSON.stringify(node.name));
  } catch (error) {
    throw corruptError(`${what} is not a valid Directory: ${(error as Error).message}`);
  }
  return directory;
}
