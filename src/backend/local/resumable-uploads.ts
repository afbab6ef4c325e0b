// Resumable ByteStream uploads: the interface a backend offers for them, and the partial file behind one.
import { createHash, type Hash } from "node:crypto";
import { mkdir, open, readdir, rename, rm, stat, type FileHandle } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Backend, BlobChunks } from "../backend.js";
import { byteLengthOf, piecesOf } from "../blob-chunk.js";
import type { BlobDigest } from "../../policy/digest.js";
import { isErrno } from "./errno.js";
import { readPrefix } from "./hash-file.js";
import { classifyTempName } from "./temp-names.js";
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

/** The bytes held by the partial files in `tmpDir` (see {@link uploadPath}), but the one at `except`. */
export async function keptUploadBytes(tmpDir: string, except: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(tmpDir)) {
    const path = join(tmpDir, name);
    if (classifyTempName(name).kind === "upload" && path !== except) total += await partialSize(path);
  }
  return total;
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

/** The files one Write of a resumable upload uses. */
export interface UploadFiles {
  /** Where a broken upload's bytes are kept, by the upload's name ({@link uploadPath}). */
  readonly partial: string;
  /** This Write's own file ({@link tempPath}): no other Write ever writes into it. */
  readonly own: string;
  /** The blob's place in cas/. */
  readonly final: string;
}

/** What the store hears from, and decides for, one Write of a resumable upload. */
export interface UploadHooks {
  /** Hears the bytes the Write's own file holds each time it grows: what a break would keep. */
  readonly onWritten?: (bytes: number) => void;
  /**
   * On a break, decides whether the `bytes` received so far are kept for resuming: it calls
   * `keep` (which moves them to the upload's partial file) or not, and the bytes are dropped.
   * Kept always when absent.
   */
  readonly keepBroken?: (bytes: number, keep: () => Promise<void>) => Promise<void>;
}

/**
 * Receives one Write of a resumable upload: copies the `writeOffset` bytes kept at `files.partial`
 * (when resuming) into the Write's own file, appends `chunks`, checks the whole against `digest`
 * and renames the file into cas/. The blob becomes visible only as a file that this Write alone
 * wrote and verified. A broken stream moves the bytes so far to `files.partial` for a later Write
 * to resume (when `hooks.keepBroken` agrees; what was kept before stays otherwise); data proven
 * wrong (too long, or the wrong hash once finished) is discarded.
 */
export async function receiveUpload(
  files: UploadFiles,
  digest: BlobDigest,
  writeOffset: number,
  chunks: BlobChunks,
  signal: AbortSignal,
  hooks: UploadHooks = {},
): Promise<void> {
  const onWritten = hooks.onWritten ?? (() => undefined);
  const keepBroken = hooks.keepBroken ?? ((_bytes: number, keep: () => Promise<void>) => keep());
  const kept = await partialSize(files.partial);
  if (writeOffset !== 0 && writeOffset !== kept) {
    throw new ConnectError(
      `write_offset ${writeOffset}: this upload has ${kept} bytes stored; resume at ${kept} or start again at 0`,
      Code.InvalidArgument,
    );
  }
  const hash = createHash("sha256");
  const file = await open(files.own, "wx", 0o600);
  let outcome: "verified" | "wrong" | "broken" = "broken";
  let position = 0;
  try {
    if (writeOffset > 0) {
      position = await copyKeptBytes(files.partial, file, writeOffset, hash, signal);
      onWritten(position);
    }
    for await (const chunk of chunks) {
      signal.throwIfAborted();
      const length = byteLengthOf(chunk);
      if (position + length > digest.sizeBytes) {
        outcome = "wrong";
        throw new ConnectError(`upload of ${digest.hash}/${digest.sizeBytes}: received more than ${digest.sizeBytes} bytes`, Code.InvalidArgument);
      }
      // The thread pool writes the chunk while this thread hashes it: both only read its bytes.
      const written = writeChunk(file, chunk, position);
      try {
        for (const piece of piecesOf(chunk)) hash.update(piece);
      } finally {
        await written;
      }
      position += length;
      onWritten(position);
    }
    try {
      checkDigest(digest, position, hash.digest("hex"));
    } catch (error) {
      outcome = "wrong";
      throw error;
    }
    await file.chmod(0o444);
    outcome = "verified";
  } finally {
    await file.close();
    if (outcome === "broken" && position > 0) await keepBroken(position, () => rename(files.own, files.partial));
    // Gone already when kept.
    if (outcome !== "verified") await rm(files.own, { force: true });
    if (outcome === "wrong") await rm(files.partial, { force: true });
  }
  try {
    await mkdir(dirname(files.final), { recursive: true });
    await rename(files.own, files.final);
  } catch (error) {
    await rm(files.own, { force: true });
    throw error;
  }
  await rm(files.partial, { force: true });
}

/** Copies the first `length` bytes kept at `partialPath` into `file`, hashing them; resolves with `length`. */
async function copyKeptBytes(partialPath: string, file: FileHandle, length: number, hash: Hash, signal: AbortSignal): Promise<number> {
  const partial = await open(partialPath, "r");
  try {
    await readPrefix(
      partial,
      length,
      async (bytes, position) => {
        hash.update(bytes);
        await writeChunk(file, bytes, position);
      },
      signal,
    );
  } finally {
    await partial.close();
  }
  return length;
}
