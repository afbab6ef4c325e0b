// Checks that every blob an ActionResult needs is stored, down to the files inside its output trees.
import { fromBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  DirectorySchema,
  TreeSchema,
  type ActionResult,
  type Directory,
  type Tree,
} from "../../gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { formatDigest, type BlobDigest } from "../../policy/digest.js";
import type { Backend } from "../backend.js";
import { directoryChildren, outputRootDirectories, outputTrees, referencedBlobs, treeFileBlobs } from "./referenced-blobs.js";

/** What the check needs of a store. */
export type BlobSource = Pick<Backend, "findMissingBlobs" | "readBlob">;

/** The outcome: blobs that are missing, and a Tree or Directory blob that does not parse. */
export interface ActionResultCheck {
  readonly missing: readonly BlobDigest[];
  /** Why a Tree or Directory the result names cannot be read as one; undefined when all parse. */
  readonly malformed?: string;
}

/**
 * Finds what `result` references but `store` lacks: output files, stdout and stderr, output Tree
 * blobs and every file in those Trees, and root Directory blobs with every Directory and file
 * below them. Stops at the first level that has missing blobs (what lies below cannot be read).
 */
export async function checkActionResultBlobs(store: BlobSource, result: ActionResult, signal: AbortSignal): Promise<ActionResultCheck> {
  const missing = await store.findMissingBlobs(unique(referencedBlobs(result)), signal);
  if (missing.length > 0) return { missing };
  const files: BlobDigest[] = [];
  for (const treeDigest of outputTrees(result)) {
    const tree = await decodeTree(store, treeDigest, signal);
    if (typeof tree === "string") return { missing: [], malformed: tree };
    files.push(...treeFileBlobs(tree));
  }
  const queue = outputRootDirectories(result);
  const seen = new Set(queue.map(formatDigest));
  for (let at = 0; at < queue.length; at++) {
    const directory = await decodeDirectory(store, queue[at] as BlobDigest, signal);
    if (typeof directory === "string") return { missing: [], malformed: directory };
    const children = directoryChildren(directory);
    files.push(...children.files);
    const absent = await store.findMissingBlobs(children.directories, signal);
    if (absent.length > 0) return { missing: absent };
    for (const child of children.directories) {
      if (seen.has(formatDigest(child))) continue;
      seen.add(formatDigest(child));
      queue.push(child);
    }
  }
  return { missing: await store.findMissingBlobs(unique(files), signal) };
}

/** The check as an error: FAILED_PRECONDITION for missing blobs, INVALID_ARGUMENT for a malformed Tree; undefined when complete. */
export function actionResultProblem(check: ActionResultCheck): ConnectError | undefined {
  if (check.malformed !== undefined) return new ConnectError(`the action result names ${check.malformed}`, Code.InvalidArgument);
  const first = check.missing[0];
  if (first === undefined) return undefined;
  return new ConnectError(
    `the action result references ${check.missing.length} blob(s) the store lacks, e.g. ${formatDigest(first)}`,
    Code.FailedPrecondition,
  );
}

async function decodeTree(store: BlobSource, digest: BlobDigest, signal: AbortSignal): Promise<Tree | string> {
  const bytes = await readAll(store, digest, signal);
  try {
    return fromBinary(TreeSchema, bytes);
  } catch {
    return `Tree blob ${formatDigest(digest)}, which is not a valid Tree message`;
  }
}

async function decodeDirectory(store: BlobSource, digest: BlobDigest, signal: AbortSignal): Promise<Directory | string> {
  const bytes = await readAll(store, digest, signal);
  try {
    return fromBinary(DirectorySchema, bytes);
  } catch {
    return `Directory blob ${formatDigest(digest)}, which is not a valid Directory message`;
  }
}

async function readAll(store: BlobSource, digest: BlobDigest, signal: AbortSignal): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of store.readBlob(digest, { signal })) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function unique(digests: readonly BlobDigest[]): BlobDigest[] {
  const byKey = new Map(digests.map((digest) => [formatDigest(digest), digest]));
  return [...byKey.values()];
}
