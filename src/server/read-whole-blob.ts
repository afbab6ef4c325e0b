// Reads a small blob into one buffer: for batch reads and Directory messages, never for ByteStream.
import type { Backend } from "../backend/backend.js";
import type { BlobDigest } from "../policy/digest.js";

/** The whole blob; callers bound `digest.sizeBytes` before calling. */
export async function readWholeBlob(backend: Backend, digest: BlobDigest, signal: AbortSignal): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of backend.readBlob(digest, { signal })) chunks.push(chunk);
  return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks);
}
