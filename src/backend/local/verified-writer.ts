// Streams chunks into a file while checking them against the digest they claim to have.
import { createHash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import type { BlobChunks } from "../backend.js";
import { byteLengthOf, piecesOf } from "../blob-chunk.js";
import { formatDigest, type BlobDigest } from "../../policy/digest.js";
import { writeChunk } from "./write-chunk.js";

/**
 * Writes every chunk to `file`, hashing as it goes, and throws INVALID_ARGUMENT as soon as
 * the data runs past `digest`'s size, or at the end when its size or SHA-256 differs.
 * Each write is awaited, so a slow disk slows the sender (backpressure).
 */
export async function writeVerified(
  file: FileHandle,
  digest: BlobDigest,
  chunks: BlobChunks,
  signal: AbortSignal,
): Promise<void> {
  const hash = createHash("sha256");
  let received = 0;
  for await (const chunk of chunks) {
    signal.throwIfAborted();
    received += byteLengthOf(chunk);
    if (received > digest.sizeBytes) {
      throw new ConnectError(
        `blob ${formatDigest(digest)}: received more than ${digest.sizeBytes} bytes`,
        Code.InvalidArgument,
      );
    }
    for (const piece of piecesOf(chunk)) hash.update(piece);
    await writeChunk(file, chunk);
  }
  signal.throwIfAborted();
  checkDigest(digest, received, hash.digest("hex"));
}

/** Throws INVALID_ARGUMENT unless `size` and `sha256Hex` are those of `digest`. */
export function checkDigest(digest: BlobDigest, size: number, sha256Hex: string): void {
  if (size !== digest.sizeBytes) {
    throw new ConnectError(
      `blob ${formatDigest(digest)}: received ${size} bytes, the digest says ${digest.sizeBytes}`,
      Code.InvalidArgument,
    );
  }
  if (sha256Hex !== digest.hash) {
    throw new ConnectError(`blob ${formatDigest(digest)}: data hashes to ${sha256Hex}`, Code.InvalidArgument);
  }
}
