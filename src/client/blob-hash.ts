// SHA-256 digests of bytes and of files, files streamed rather than read whole.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import type { BlobDigest } from "./digest-text.js";

/** Files up to this size are read in one call; larger ones are streamed. */
const READ_WHOLE_BYTES = 1024 * 1024;
const STREAM_CHUNK_BYTES = 1024 * 1024;

/** The digest of `data`. */
export function digestOfBytes(data: Uint8Array): BlobDigest {
  return { hash: createHash("sha256").update(data).digest("hex"), sizeBytes: data.byteLength };
}

/**
 * The digest of the file at `path` as it is now. `expectedSize` (its lstat size) only picks the
 * method: small files are read whole, larger ones in 1 MiB pieces.
 */
export async function digestOfFile(path: string, expectedSize = Number.MAX_SAFE_INTEGER): Promise<BlobDigest> {
  if (expectedSize <= READ_WHOLE_BYTES) return digestOfBytes(await readFile(path));
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: STREAM_CHUNK_BYTES })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).byteLength;
  }
  return { hash: hash.digest("hex"), sizeBytes: size };
}

/** Checks bytes arriving in pieces against the digest they should have. */
export class DigestCheck {
  private readonly hash = createHash("sha256");
  private received = 0;

  constructor(readonly expected: BlobDigest) {}

  /** Adds a piece; throws once more bytes arrive than the digest's size. */
  update(piece: Uint8Array): void {
    this.received += piece.byteLength;
    if (this.received > this.expected.sizeBytes) throw new Error(`more than the ${this.expected.sizeBytes} bytes the digest says`);
    this.hash.update(piece);
  }

  /** The problem with what arrived, or undefined when it matches the digest. */
  finish(): string | undefined {
    if (this.received !== this.expected.sizeBytes) return `${this.received} bytes instead of ${this.expected.sizeBytes}`;
    const actual = this.hash.digest("hex");
    return actual === this.expected.hash ? undefined : `its SHA-256 is ${actual}`;
  }
}
