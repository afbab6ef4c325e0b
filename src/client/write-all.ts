// Writing a whole piece to a file handle: write(2) may write less than asked.
import type { FileHandle } from "node:fs/promises";

/** Writes all of `piece` at the handle's current position, looping over short writes. */
export async function writeAll(handle: FileHandle, piece: Uint8Array): Promise<void> {
  let written = 0;
  while (written < piece.byteLength) {
    const { bytesWritten } = await handle.write(piece, written, piece.byteLength - written);
    written += bytesWritten;
  }
}
