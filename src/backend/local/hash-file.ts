// SHA-256 of a file or of its first bytes, read in chunks: blobs are never held whole.
import { createHash, type Hash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";

/** Size of the chunks files are read in for hashing. */
const HASH_CHUNK_BYTES = 1024 * 1024;

/** Feeds the first `length` bytes of `file` to `hash`; throws when the file is shorter. */
export async function hashPrefix(file: FileHandle, length: number, hash: Hash, signal?: AbortSignal): Promise<void> {
  await readPrefix(file, length, (bytes) => void hash.update(bytes), signal);
}

/**
 * Reads the first `length` bytes of `file` in chunks and hands each to `each` with its position,
 * waiting for it before reading on (the chunk's buffer is reused); throws when the file is shorter.
 */
export async function readPrefix(
  file: FileHandle,
  length: number,
  each: (bytes: Buffer, position: number) => void | Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  const buffer = Buffer.allocUnsafe(Math.min(HASH_CHUNK_BYTES, Math.max(length, 1)));
  let position = 0;
  while (position < length) {
    signal?.throwIfAborted();
    const { bytesRead } = await file.read(buffer, 0, Math.min(buffer.length, length - position), position);
    if (bytesRead === 0) throw new Error(`the file ended after ${position} of ${length} bytes`);
    await each(buffer.subarray(0, bytesRead), position);
    position += bytesRead;
  }
}

/** The SHA-256 (hex) and size of the whole file at `path`. */
export async function hashFile(path: string, signal?: AbortSignal): Promise<{ sha256: string; size: number }> {
  const file = await open(path, "r");
  try {
    const { size } = await file.stat();
    const hash = createHash("sha256");
    await hashPrefix(file, size, hash, signal);
    return { sha256: hash.digest("hex"), size };
  } finally {
    await file.close();
  }
}
