// Resumable ByteStream uploads: the interface a backend offers for them, and the partial file behind one.
import { createHash } from "node:crypto";
import { open, rm, stat } from "node:fs/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Backend, BlobChunks } from "../backend.js";
import { byteLengthOf, piecesOf } from "../blob-chunk.js";
import type { BlobDigest } from "../../policy/digest.js";
import { isErrno } from "./errno.js";
import { hashPrefix } from "./hash-file.js";
import { checkDigest } from "./verified-writer.js";
import { writeChunk } from "./write-chunk.js";

/** How far an upload has got. */
export interface UploadStatus {
  /** Bytes stored: the offset to resume at, or the blob's size once complete. */
  readonly committedSize: number;
  /** True once the blob is in the store. */
  readonly complete: boolean;
}

/** What a backend that keeps partial uploads offers the ByteStream service. */
export interface ResumableUploads {
  /** The state of the upload named `resourceName` of `digest`: complete when the blob is stored, else the bytes kept (0 when none). */
  queryUpload(resourceName: string, digest: BlobDigest, signal: AbortSignal): Promise<UploadStatus>;
  /**
   * Continues (or, at offset 0, starts over) the upload named `resourceName`. `writeOffset` must be
   * 0 or the committed size, else INVALID_ARGUMENT. Bytes received are kept when the stream breaks;
   * data proven wrong (too long, or the wrong hash once finished) is INVALID_ARGUMENT and discarded.
   */
  writeUpload(resourceName: string, digest: BlobDigest, writeOffset: number, chunks: BlobChunks, signal: AbortSignal): Promise<UploadStatus>;
}

/** True for a backend that implements {@link ResumableUploads}. */
export function supportsResumableUploads(backend: Backend): backend is Backend & ResumableUploads {
  const candidate = backend as Partial<ResumableUploads>;
  return typeof candidate.queryUpload === "function" && typeof candidate.writeUpload === "function";
}

/** Bytes held in the partial file at `path`; 0 when there is none. */
export async function partialSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if (isErrno(error, "ENOENT")) return 0;
    throw error;
  }
}

/**
 * Appends `chunks` to the partial file at `path` from `writeOffset` and checks the whole against
 * `digest` once the chunks end. Resolves when the file holds exactly the blob (read-only, ready to
 * be renamed into cas/). An error from `chunks` itself (a broken stream) leaves the bytes so far.
 */
export async function receiveIntoPartial(
  path: string,
  digest: BlobDigest,
  writeOffset: number,
  chunks: BlobChunks,
  signal: AbortSignal,
): Promise<void> {
  const kept = await partialSize(path);
  if (writeOffset !== 0 && writeOffset !== kept) {
    throw new ConnectError(
      `write_offset ${writeOffset}: this upload has ${kept} bytes stored; resume at ${kept} or start again at 0`,
      Code.InvalidArgument,
    );
  }
  const hash = createHash("sha256");
  const file = await open(path, writeOffset === 0 ? "w" : "r+", 0o600);
  let wrongData: ConnectError | undefined;
  let position = writeOffset;
  try {
    await hashPrefix(file, writeOffset, hash, signal);
    for await (const chunk of chunks) {
      signal.throwIfAborted();
      const length = byteLengthOf(chunk);
      if (position + length > digest.sizeBytes) {
        wrongData = new ConnectError(`upload of ${digest.hash}/${digest.sizeBytes}: received more than ${digest.sizeBytes} bytes`, Code.InvalidArgument);
        throw wrongData;
      }
      // The thread pool writes the chunk while this thread hashes it: both only read its bytes.
      const written = writeChunk(file, chunk, position);
      try {
        for (const piece of piecesOf(chunk)) hash.update(piece);
      } finally {
        await written;
      }
      position += length;
    }
    try {
      checkDigest(digest, position, hash.digest("hex"));
    } catch (error) {
      wrongData = error as ConnectError;
      throw error;
    }
    await file.chmod(0o444);
  } finally {
    await file.close();
    if (wrongData !== undefined) await rm(path, { force: true });
  }
}
