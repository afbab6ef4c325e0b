// The embedded store: SHA-256 blobs and action results in files under one directory.
import { createHash } from "node:crypto";
import { constants, createReadStream } from "node:fs";
import { access, mkdir, readFile, stat } from "node:fs/promises";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  ActionResultSchema,
  type ActionResult,
} from "../../gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import type { Backend, BlobChunks, ReadBlobOptions } from "../backend.js";
import { EMPTY_BLOB_DIGEST, formatDigest, type BlobDigest } from "../../policy/digest.js";
import { writeFileAtomically } from "./atomic-file.js";
import { referencedBlobs } from "./referenced-blobs.js";
import { actionResultPath, blobPath, storeLayout, tempPath, type StoreLayout } from "./store-layout.js";
import { checkDigest, writeVerified } from "./verified-writer.js";

/** Size of the chunks a blob is read in. */
const READ_CHUNK_BYTES = 1024 * 1024;

/** Opens (creating if needed) the embedded store in `root`. */
export async function openLocalStore(root: string): Promise<LocalStore> {
  const layout = storeLayout(root);
  for (const dir of [layout.casDir, layout.acDir, layout.tmpDir]) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  }
  await access(layout.tmpDir, constants.W_OK);
  return new LocalStore(layout);
}

/** The embedded on-disk {@link Backend}. */
export class LocalStore implements Backend {
  /** Uploads in progress, by digest, so that concurrent uploads of one blob share one write. */
  readonly #pendingWrites = new Map<string, Promise<void>>();

  constructor(readonly layout: StoreLayout) {}

  async findMissingBlobs(digests: readonly BlobDigest[], signal: AbortSignal): Promise<BlobDigest[]> {
    const missing: BlobDigest[] = [];
    for (const digest of digests) {
      signal.throwIfAborted();
      if (!(await this.hasBlob(digest))) missing.push(digest);
    }
    return missing;
  }

  /** True when the store holds `digest` (always for the empty blob). */
  async hasBlob(digest: BlobDigest): Promise<boolean> {
    if (digest.hash === EMPTY_BLOB_DIGEST.hash && digest.sizeBytes === 0) return true;
    try {
      const info = await stat(blobPath(this.layout, digest));
      return info.size === digest.sizeBytes;
    } catch {
      return false;
    }
  }

  async *readBlob(digest: BlobDigest, options: ReadBlobOptions): AsyncIterable<Uint8Array> {
    const offset = options.offset ?? 0;
    if (offset > digest.sizeBytes) {
      throw new ConnectError(
        `read offset ${offset} is past the end of blob ${formatDigest(digest)}`,
        Code.OutOfRange,
      );
    }
    if (digest.sizeBytes === 0) {
      if (digest.hash === EMPTY_BLOB_DIGEST.hash) return;
      throw notFound(digest);
    }
    const limit = options.limit ?? 0;
    const end = limit > 0 ? Math.min(digest.sizeBytes, offset + limit) : digest.sizeBytes;
    if (end === offset) {
      if (!(await this.hasBlob(digest))) throw notFound(digest);
      return;
    }
    const stream = createReadStream(blobPath(this.layout, digest), {
      start: offset,
      end: end - 1,
      highWaterMark: READ_CHUNK_BYTES,
      signal: options.signal,
    });
    try {
      for await (const chunk of stream) yield chunk as Buffer;
    } catch (error) {
      if (isErrno(error, "ENOENT")) throw notFound(digest);
      throw error;
    }
  }

  async writeBlob(digest: BlobDigest, chunks: BlobChunks, signal: AbortSignal): Promise<void> {
    const key = formatDigest(digest);
    const pending = this.#pendingWrites.get(key);
    if (pending !== undefined) {
      // Another upload of these bytes is under way: wait for it before reading ours.
      await pending.catch(() => undefined);
      return this.writeBlob(digest, chunks, signal);
    }
    const write = this.#writeUnlessPresent(digest, chunks, signal);
    this.#pendingWrites.set(key, write);
    try {
      await write;
    } finally {
      if (this.#pendingWrites.get(key) === write) this.#pendingWrites.delete(key);
    }
  }

  async #writeUnlessPresent(digest: BlobDigest, chunks: BlobChunks, signal: AbortSignal): Promise<void> {
    if (await this.hasBlob(digest)) {
      // Stored already: check the sender's bytes all the same, keep the stored ones.
      await verifyOnly(digest, chunks, signal);
      return;
    }
    await writeFileAtomically(tempPath(this.layout, digest.hash), blobPath(this.layout, digest), (file) =>
      writeVerified(file, digest, chunks, signal),
    );
  }

  async getActionResult(actionDigest: BlobDigest, signal: AbortSignal): Promise<ActionResult | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(actionResultPath(this.layout, actionDigest), { signal });
    } catch (error) {
      if (isErrno(error, "ENOENT")) return undefined;
      throw error;
    }
    const result = fromBinary(ActionResultSchema, bytes);
    // An entry whose blobs are gone is a miss, never a result the client cannot use.
    const missing = await this.findMissingBlobs(referencedBlobs(result), signal);
    return missing.length === 0 ? result : undefined;
  }

  async updateActionResult(actionDigest: BlobDigest, result: ActionResult, signal: AbortSignal): Promise<void> {
    const missing = await this.findMissingBlobs(referencedBlobs(result), signal);
    if (missing.length > 0) {
      throw new ConnectError(
        `the action result references ${missing.length} blob(s) the store lacks, e.g. ${formatDigest(missing[0] as BlobDigest)}`,
        Code.FailedPrecondition,
      );
    }
    const bytes = toBinary(ActionResultSchema, result);
    await writeFileAtomically(
      tempPath(this.layout, `ac-${actionDigest.hash}`),
      actionResultPath(this.layout, actionDigest),
      async (file) => {
        await file.writeFile(bytes);
      },
    );
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#pendingWrites.values());
  }
}

function notFound(digest: BlobDigest): ConnectError {
  return new ConnectError(`blob ${formatDigest(digest)} is not in the store`, Code.NotFound);
}

async function verifyOnly(digest: BlobDigest, chunks: BlobChunks, signal: AbortSignal): Promise<void> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of chunks) {
    signal.throwIfAborted();
    size += chunk.byteLength;
    hash.update(chunk);
  }
  checkDigest(digest, size, hash.digest("hex"));
}

function isErrno(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}
