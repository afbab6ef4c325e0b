// Streams chunks into a file while checking them against the digest they claim to have.
import { createHash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import type { BlobChunks } from "../backend.js";
import { formatDigest, type BlobDigest } from "../../policy/digest.js";

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
    received += chunk.byteLength;
    if (received > digest.sizeBytes) {
      throw new ConnectError(
        `blob ${formatDigest(digest)}: received more than ${digest.sizeBytes} bytes`,
        Code.InvalidArgument,
      );
    }
    hash.update(chunk);
    let written = 0;
    while (written < chunk.byteLength) {
      const { bytesWritten } = await file.write(chunk, written, chunk.byteLength - written);
      written += bytesWritten;
    }
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
