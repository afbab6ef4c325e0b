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

/** Directories per response message at most. */
const MAX_DIRECTORIES_PER_MESSAGE = 1000;
/** Encoded Directory bytes per response message at most (one larger Directory goes alone), well under gRPC's 4 MiB. */
const MAX_BYTES_PER_MESSAGE = 2 * 1024 * 1024;
/** Largest Directory message read (they are small; this bounds memory). */
const MAX_DIRECTORY_BYTES = 4 * 1024 * 1024;

type GetTreeResponseInit = MessageInitShape<typeof GetTreeResponseSchema>;

/**
 * Streams the tree below `root`. With `pageSize` > 0 a page holds that many directories and its last
 * message carries the token of the next page; with 0 everything comes in one page. A page token is
 * the number of directories already sent in breadth-first order. Directories the store lacks (below
 * a present root) are left out, as the spec allows; a directory reached twice is sent once.
 * NOT_FOUND when the root itself is missing; INVALID_ARGUMENT for a blob that is not a Directory.
 */
export async function* getTree(
  backend: Backend,
  root: BlobDigest,
  pageSize: number,
  pageToken: string,
  signal: AbortSignal,
): AsyncIterable<GetTreeResponseInit> {
  if (pageSize < 0) throw new ConnectError(`page_size ${pageSize} is negative`, Code.InvalidArgument);
  const skip = parsePageToken(pageToken);
  const limit = pageSize > 0 ? pageSize : Number.POSITIVE_INFINITY;

  let index = 0;
  let sent = 0;
  let batch: Directory[] = [];
  let batchBytes = 0;
  for await (const { directory, size } of walkBreadthFirst(backend, root, signal)) {
    if (index++ < skip) continue;
    if (sent === limit) {
      // One directory past the page: there is a next page, starting here.
      yield { directories: batch, nextPageToken: String(index - 1) };
      return;
    }
    if (batch.length > 0 && (batch.length === MAX_DIRECTORIES_PER_MESSAGE || batchBytes + size > MAX_BYTES_PER_MESSAGE)) {
      yield { directories: batch };
      batch = [];
      batchBytes = 0;
    }
    batch.push(directory);
    batchBytes += size;
    sent++;
  }
  yield { directories: batch, nextPageToken: "" };
}

async function* walkBreadthFirst(
  backend: Backend,
  root: BlobDigest,
  signal: AbortSignal,
): AsyncIterable<{ directory: Directory; size: number }> {
  const seen = new Set<string>([formatDigest(root)]);
  const queue: BlobDigest[] = [root];
  for (let at = 0; at < queue.length; at++) {
    const digest = queue[at] as BlobDigest;
    let bytes: Uint8Array;
    try {
      bytes = await readWholeBlob(backend, digest, signal);
    } catch (error) {
      if (at === 0 || !(error instanceof ConnectError) || error.code !== Code.NotFound) throw error;
      continue;
    }
    const directory = decodeDirectory(bytes, digest);
    for (const child of directory.directories) {
      const childDigest = parseDigest(child.digest, `directory ${child.name} in ${formatDigest(digest)}`, MAX_DIRECTORY_BYTES);
      const key = formatDigest(childDigest);
      if (!seen.has(key)) {
        seen.add(key);
        queue.push(childDigest);
      }
    }
    yield { directory, size: bytes.byteLength };
  }
}

function decodeDirectory(bytes: Uint8Array, digest: BlobDigest): Directory {
  try {
    return fromBinary(DirectorySchema, bytes);
  } catch {
    throw new ConnectError(`blob ${formatDigest(digest)} is not a Directory message`, Code.InvalidArgument);
  }
}

function parsePageToken(token: string): number {
  if (token === "") return 0;
  if (!/^(0|[1-9][0-9]{0,8})$/.test(token)) {
    throw new ConnectError(`page_token ${JSON.stringify(token.slice(0, 40))} is not one this server issued`, Code.InvalidArgument);
  }
  return Number(token);
}

