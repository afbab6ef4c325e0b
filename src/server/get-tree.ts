// GetTree: the Directory messages below a root, breadth first, in pages.
import { fromBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Backend } from "../backend/backend.js";
import {
  DirectorySchema,
  type Directory,
  type GetTreeResponseSchema,
} from "../gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { formatDigest, parseDigest, type BlobDigest } from "../policy/digest.js";
import { readWholeBlob } from "./read-whole-blob.js";

/** Directories per response when the client sets no page size. */
const DEFAULT_PAGE_SIZE = 1000;
/** Largest Directory message read (they are small; this bounds memory). */
const MAX_DIRECTORY_BYTES = 4 * 1024 * 1024;

type GetTreeResponseInit = MessageInitShape<typeof GetTreeResponseSchema>;

/**
 * Streams the tree below `root`. A page token is the number of directories already sent in
 * breadth-first order; directories the store lacks (below a present root) are left out, as the
 * spec allows. NOT_FOUND when the root itself is missing.
 */
export async function* getTree(
  backend: Backend,
  root: BlobDigest,
  pageSize: number,
  pageToken: string,
  signal: AbortSignal,
): AsyncIterable<GetTreeResponseInit> {
  const skip = parsePageToken(pageToken);
  const limit = pageSize > 0 ? pageSize : Number.POSITIVE_INFINITY;
  const perMessage = pageSize > 0 ? Math.min(pageSize, DEFAULT_PAGE_SIZE) : DEFAULT_PAGE_SIZE;

  let index = 0;
  let sent = 0;
  let batch: Directory[] = [];
  for await (const directory of walkBreadthFirst(backend, root, signal)) {
    if (index++ < skip) continue;
    if (sent === limit) {
      yield { directories: batch, nextPageToken: String(index - 1) };
      return;
    }
    batch.push(directory);
    sent++;
    if (batch.length === perMessage && sent < limit) {
      yield { directories: batch };
      batch = [];
    }
  }
  yield { directories: batch, nextPageToken: "" };
}

async function* walkBreadthFirst(backend: Backend, root: BlobDigest, signal: AbortSignal): AsyncIterable<Directory> {
  const seen = new Set<string>([formatDigest(root)]);
  const queue: BlobDigest[] = [root];
  for (let at = 0; at < queue.length; at++) {
    const digest = queue[at] as BlobDigest;
    let directory: Directory;
    try {
      directory = fromBinary(DirectorySchema, await readWholeBlob(backend, digest, signal));
    } catch (error) {
      if (at === 0 || !(error instanceof ConnectError) || error.code !== Code.NotFound) throw error;
      continue;
    }
    for (const child of directory.directories) {
      const childDigest = parseDigest(child.digest, `directory ${child.name}`, MAX_DIRECTORY_BYTES);
      const key = formatDigest(childDigest);
      if (!seen.has(key)) {
        seen.add(key);
        queue.push(childDigest);
      }
    }
    yield directory;
  }
}

function parsePageToken(token: string): number {
  if (token === "") return 0;
  if (!/^[0-9]{1,9}$/.test(token)) {
    throw new ConnectError(`page_token ${JSON.stringify(token.slice(0, 40))} is not one this server issued`, Code.InvalidArgument);
  }
  return Number(token);
}
