// A piece of a blob's data as it moves through the server: one buffer, or the several a message arrived in.

/**
 * A piece of a blob's data: one buffer, or several that follow each other (one ByteStream
 * message's data as the connection delivered it, not copied together).
 */
export type BlobChunk = Uint8Array | readonly Uint8Array[];

/** The buffers of `chunk`, in order. */
export function piecesOf(chunk: BlobChunk): readonly Uint8Array[] {
  return chunk instanceof Uint8Array ? [chunk] : chunk;
}

/** How many bytes `chunk` holds. */
export function byteLengthOf(chunk: BlobChunk): number {
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  let total = 0;
  for (const piece of chunk) total += piece.byteLength;
  return total;
}
