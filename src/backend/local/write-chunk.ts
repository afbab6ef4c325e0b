// Writes a blob chunk to a file: all of it, its buffers gathered into one writev rather than copied together.
import type { FileHandle } from "node:fs/promises";
import { byteLengthOf, piecesOf, type BlobChunk } from "../blob-chunk.js";

/** Writes all of `chunk` to `file`, at `position` when given (else at the file's offset), and resolves with its length. */
export async function writeChunk(file: FileHandle, chunk: BlobChunk, position?: number): Promise<number> {
  const length = byteLengthOf(chunk);
  let pieces = piecesOf(chunk);
  let written = 0;
  while (written < length) {
    const at = position === undefined ? undefined : position + written;
    const first = pieces[0] as Uint8Array;
    const { bytesWritten } = pieces.length === 1 ? await file.write(first, 0, first.byteLength, at ?? null) : await file.writev([...pieces], at);
    written += bytesWritten;
    pieces = dropBytes(pieces, bytesWritten);
  }
  return length;
}

/** `pieces` without their first `count` bytes (a short write), as views. */
function dropBytes(pieces: readonly Uint8Array[], count: number): readonly Uint8Array[] {
  let index = 0;
  let left = count;
  while (index < pieces.length && left >= (pieces[index] as Uint8Array).byteLength) {
    left -= (pieces[index] as Uint8Array).byteLength;
    index += 1;
  }
  const rest = pieces.slice(index);
  if (left > 0 && rest.length > 0) rest[0] = (rest[0] as Uint8Array).subarray(left);
  return rest;
}
