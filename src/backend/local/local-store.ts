// The embedded store: SHA-256 blobs and action results in files under one directory.
import { createHash } from "node:crypto";
import { closeSync, createReadStream, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  ActionResultSchema,
  type ActionResult,
} from "../../gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import type { Backend, BlobChunks, ReadBlobOptions } from "../backend.js";
import { byteLengthOf, piecesOf, type BlobChunk } from "../blob-chunk.js";
import { EMPTY_BLOB_DIGEST, formatDigest, type BlobDigest } from "../../policy/digest.js";
import { actionResultProblem, checkActionResultBlobs } from "./action-result-check.js";
import { writeFileAtomically } from "./atomic-file.js";
import type { EvictionGuard } from "./blob-eviction.js";
import { DEFAULT_TOUCH_INTERVAL_MS, touchIfStale } from "./blob-touch.js";
import { isErrno } from "./errno.js";
import { RecentUses } from "./recent-uses.js";
import { keptUploadBytes, partialSize, receiveUpload, type ResumableUploads, type UploadHooks, type UploadStatus } from "./resumable-uploads.js";
import { DEFAULT_STALE_AGES, removeStaleTempFiles, type StaleAges } from "./stale-temp-files.js";
import { StoreQuota } from "./store-quota.js";
import { prepareStoreDirs } from "./store-dirs.js";
import { actionResultPath, blobPath, type StoreLayout } from "./store-layout.js";
import { tempPath, uploadPath } from "./temp-names.js";
import { checkDigest, writeVerified } from "./verified-writer.js";
import { untilAborted } from "../../util/until-aborted.js";

/** Size of the chunks a blob is read in. */
const READ_CHUNK_BYTES = 1024 * 1024;
/**
 * Blobs up to this size that arrive whole (batch uploads) are hashed and written, and blobs up to
 * it are read, with synchronous calls: microseconds each on a warm page cache, where the
 * asynchronous calls cost a thread-pool round trip apiece (four or five per blob).
 */
const SMALL_BLOB_BYTES = 64 * 1024;
/** Blobs looked up at once by findMissingBlobs. */
const LOOKUP_BATCH = 64;
/** Under a quota, the share of it that the bytes of broken uploads kept for resuming may take, all together. */
const KEPT_UPLOADS_SHARE = 0.1;

/** How a store is opened. */
export interface LocalStoreOptions {
  /** Keep the blobs under this many bytes, evicting the least recently used; no limit when absent. */
  readonly quotaBytes?: number;
  /** Under a quota, how long a use keeps a blob from eviction; for as long as the store is open when absent. */
  readonly protectUsedForMs?: number;
  /** A blob's mtime is moved to now on use at most this often (default one minute). */
  readonly touchIntervalMs?: number;
  /** Which leftovers in tmp/ are removed at open (default: temp files of dead writers after an hour, uploads after a day). */
  readonly staleAges?: StaleAges;
}

/** Opens (creating if needed) the embedded store in `root`, removing stale temp files left by crashed writers. */
export async function openLocalStore(root: string, options: LocalStoreOptions = {}): Promise<LocalStore> {
  const layout = prepareStoreDirs(root);
  await removeStaleTempFiles(layout, options.staleAges ?? DEFAULT_STALE_AGES);
  const store = new LocalStore(layout, options.touchIntervalMs ?? DEFAULT_TOUCH_INTERVAL_MS);
  if (options.quotaBytes !== undefined) await store.enableQuota(options.quotaBytes, options.protectUsedForMs);
  return store;
}

/** The embedded on-disk {@link Backend}, with resumable ByteStream uploads. */
export class LocalStore implements Backend, ResumableUploads {
  /** The end of each hash's queue of writes: concurrent uploads of one blob take turns, and the first one stored ends the rest early. */
  readonly #writeQueues = new Map<string, Promise<void>>();
  /** The bytes each running resumable Write holds so far, by its upload's partial file: what a break now would keep. */
  readonly #uploadsRunning = new Map<string, number>();
  /** Every write queued or running, so that close() can wait for them all. */
  readonly #writes = new Set<Promise<unknown>>();
  #closing = false;
  /** The `cas/xx` directories known to exist. */
  readonly #blobDirs = new Set<string>();
  /** Blobs this store has handed out, found or written: not evicted while remembered (kept only under a quota). */
  #recentUses = new RecentUses();
  /** Hashes whose files eviction is removing right now: not handed out meanwhile. */
  readonly #evicting = new Set<string>();
  #quota: StoreQuota | undefined;
  /** The last decision on keeping a broken upload: they are taken one at a time, so that two cannot both take the budget's last room. */
  #uploadBudgetDecision: Promise<void> = Promise.resolve();

  constructor(
    readonly layout: StoreLayout,
    readonly touchIntervalMs: number = DEFAULT_TOUCH_INTERVAL_MS,
  ) {}

  /**
   * Starts keeping the blobs under `quotaBytes` (scans the store once). A blob used since is not
   * evicted for `protectUsedForMs` after its last use; for as long as the store is open when absent.
   */
  async enableQuota(quotaBytes: number, protectUsedForMs?: number): Promise<void> {
    this.#quota = await StoreQuota.open(this.layout, quotaBytes);
    this.#recentUses = new RecentUses(protectUsedForMs !== undefined ? { keepForMs: protectUsedForMs } : {});
  }

  /** The quota, when one is set. */
  get quota(): StoreQuota | undefined {
    return this.#quota;
  }

  async findMissingBlobs(digests: readonly BlobDigest[], signal: AbortSignal): Promise<BlobDigest[]> {
    const missing: BlobDigest[] = [];
    for (let at = 0; at < digests.length; at += LOOKUP_BATCH) {
      signal.throwIfAborted();
      const batch = digests.slice(at, at + LOOKUP_BATCH);
      const present = await Promise.all(batch.map((digest) => this.hasBlob(digest)));
      batch.forEach((digest, index) => {
        if (!present[index]) missing.push(digest);
      });
    }
    return missing;
  }

  /** True when the store holds `digest` (always for the empty blob); counts as a use of the blob. */
  async hasBlob(digest: BlobDigest): Promise<boolean> {
    if (isEmptyBlob(digest)) return true;
    if (this.#evicting.has(digest.hash)) return false;
    const path = blobPath(this.layout, digest);
    const info = statSync(path, { throwIfNoEntry: false });
    if (info === undefined || info.size !== digest.sizeBytes) return false;
    await this.#noteUse(digest, path, info.mtimeMs);
    return true;
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
    if (digest.sizeBytes <= SMALL_BLOB_BYTES) {
      const data = await this.#readSmall(digest);
      if (end > offset) yield data.subarray(offset, end);
      return;
    }
    if (!(await this.hasBlob(digest))) throw notFound(digest);
    if (end === offset) return;
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
    const whole = wholeSmallBlob(digest, chunks);
    if (whole !== undefined) {
      // Checked before queueing: wrong bytes never wait for, or touch, the store.
      checkDigest(digest, whole.byteLength, createHash("sha256").update(whole).digest("hex"));
      await this.#oncePerHash(digest, signal, async () => {
        // Under a quota, a blob stored meanwhile must not be counted twice. Without one, it is
        // simply replaced by the same verified bytes, atomically: a rename costs less than a stat.
        if (this.#quota !== undefined && (await this.hasBlob(digest))) return;
        await this.#admit(digest, async () => this.#writeSmall(digest, whole));
      });
      return;
    }
    await this.#oncePerHash(digest, signal, () => this.#writeUnlessPresent(digest, chunks, signal));
  }

  async #writeUnlessPresent(digest: BlobDigest, chunks: BlobChunks, signal: AbortSignal): Promise<void> {
    if (await this.hasBlob(digest)) {
      // Stored already: check the sender's bytes all the same, keep the stored ones.
      await verifyOnly(digest, chunks, signal);
      return;
    }
    await this.#admit(digest, async () => {
      await writeFileAtomically(tempPath(this.layout, digest.hash), blobPath(this.layout, digest), (file) =>
        writeVerified(file, digest, chunks, signal),
      );
    });
  }

  /** Writes verified bytes to a temp file and renames it into place, synchronously (small blobs only). */
  #writeSmall(digest: BlobDigest, data: Uint8Array): void {
    const temp = tempPath(this.layout, digest.hash);
    const final = blobPath(this.layout, digest);
    this.#ensureBlobDir(final);
    try {
      writeFileSync(temp, data, { flag: "wx", mode: 0o444 });
      renameSync(temp, final);
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    }
  }

  /**
   * A small blob's bytes, read whole with synchronous calls on one open file (no lookup by path
   * first), and counted as a use, as {@link hasBlob} counts one; NOT_FOUND when the file is gone or
   * is not the blob's size.
   */
  async #readSmall(digest: BlobDigest): Promise<Buffer> {
    if (this.#evicting.has(digest.hash)) throw notFound(digest);
    const path = blobPath(this.layout, digest);
    let fd: number;
    try {
      fd = openSync(path, "r");
    } catch (error) {
      if (isErrno(error, "ENOENT")) throw notFound(digest);
      throw error;
    }
    const data = Buffer.allocUnsafe(digest.sizeBytes);
    let mtimeMs: number;
    try {
      const info = fstatSync(fd);
      if (info.size !== digest.sizeBytes) throw notFound(digest);
      mtimeMs = info.mtimeMs;
      for (let filled = 0; filled < data.byteLength; ) {
        const read = readSync(fd, data, filled, data.byteLength - filled, filled);
        if (read === 0) throw notFound(digest);
        filled += read;
      }
    } finally {
      closeSync(fd);
    }
    await this.#noteUse(digest, path, mtimeMs);
    return data;
  }

  /** Counts a use of a stored blob: protected from eviction while this store is open, its mtime moved to now once stale. */
  async #noteUse(digest: BlobDigest, path: string, mtimeMs: number): Promise<void> {
    this.#protect(digest);
    await touchIfStale(path, mtimeMs, this.touchIntervalMs);
  }

  /** Creates the `cas/xx` directory of `blobFile` the first time this store writes into it. */
  #ensureBlobDir(blobFile: string): void {
    const dir = dirname(blobFile);
    if (this.#blobDirs.has(dir)) return;
    mkdirSync(dir, { recursive: true });
    this.#blobDirs.add(dir);
  }

  async queryUpload(resourceName: string, digest: BlobDigest): Promise<UploadStatus> {
    if (await this.hasBlob(digest)) return { committedSize: digest.sizeBytes, complete: true };
    const partial = uploadPath(this.layout, resourceName);
    // A Write of this upload is running: once it holds bytes, a break would keep those in place of any kept before.
    const running = this.#uploadsRunning.get(partial) ?? 0;
    return { committedSize: running > 0 ? running : await partialSize(partial), complete: false };
  }

  async writeUpload(
    resourceName: string,
    digest: BlobDigest,
    writeOffset: number,
    chunks: BlobChunks,
    signal: AbortSignal,
  ): Promise<UploadStatus> {
    const complete: UploadStatus = { committedSize: digest.sizeBytes, complete: true };
    if (await this.hasBlob(digest)) return complete;
    return this.#oncePerHash(digest, signal, async () => {
      // Another upload of these bytes may have finished while this one waited.
      if (await this.hasBlob(digest)) return complete;
      const files = {
        partial: uploadPath(this.layout, resourceName),
        own: tempPath(this.layout, digest.hash),
        final: blobPath(this.layout, digest),
      };
      const quota = this.#quota;
      const hooks: UploadHooks = {
        onWritten: (bytes) => this.#uploadsRunning.set(files.partial, bytes),
        ...(quota !== undefined ? { keepBroken: (bytes, keep) => this.#keepWithinUploadBudget(quota, files.partial, bytes, keep) } : {}),
      };
      try {
        await this.#admit(digest, () => receiveUpload(files, digest, writeOffset, chunks, signal, hooks));
      } finally {
        this.#uploadsRunning.delete(files.partial);
      }
      return complete;
    });
  }

  async getActionResult(actionDigest: BlobDigest, signal: AbortSignal): Promise<ActionResult | undefined> {
    signal.throwIfAborted();
    let bytes: Buffer;
    try {
      // An entry is a few hundred bytes: one synchronous read beats the thread pool's round trips.
      bytes = readFileSync(actionResultPath(this.layout, actionDigest));
    } catch (error) {
      if (isErrno(error, "ENOENT")) return undefined;
      throw error;
    }
    let result: ActionResult;
    try {
      result = fromBinary(ActionResultSchema, bytes);
    } catch {
      return undefined; // A damaged entry is a miss; `store verify` removes it.
    }
    // An entry whose blobs are gone is a miss, never a result the client cannot use.
    try {
      const check = await checkActionResultBlobs(this, result, signal);
      return actionResultProblem(check) === undefined ? result : undefined;
    } catch (error) {
      if (error instanceof ConnectError && (error.code === Code.NotFound || error.code === Code.InvalidArgument)) return undefined;
      throw error;
    }
  }

  async updateActionResult(actionDigest: BlobDigest, result: ActionResult, signal: AbortSignal): Promise<void> {
    let problem: ConnectError | undefined;
    try {
      problem = actionResultProblem(await checkActionResultBlobs(this, result, signal));
    } catch (error) {
      if (!(error instanceof ConnectError && error.code === Code.NotFound)) throw error;
      problem = new ConnectError(`the action result references a blob the store lacks: ${error.rawMessage}`, Code.FailedPrecondition);
    }
    if (problem !== undefined) throw problem;
    const bytes = toBinary(ActionResultSchema, result);
    await writeFileAtomically(
      tempPath(this.layout, `ac-${actionDigest.hash}`),
      actionResultPath(this.layout, actionDigest),
      async (file) => {
        await file.writeFile(bytes);
      },
      // An empty file decodes as an ActionResult with no outputs: a hit that would lose the build's files.
      { durable: true },
    );
  }

  /** Refuses new writes and resolves once every write queued or running has ended. */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.allSettled(this.#writes);
  }

  /**
   * Runs `work` once no other write of the same hash is under way in this store. A caller whose
   * `signal` aborts while it waits for its turn leaves the queue at once.
   */
  async #oncePerHash<T>(digest: BlobDigest, signal: AbortSignal, work: () => Promise<T>): Promise<T> {
    if (this.#closing) throw new ConnectError("the store is closing", Code.Unavailable);
    const previous = this.#writeQueues.get(digest.hash) ?? Promise.resolve();
    let done!: () => void;
    const queue = Promise.all([previous, new Promise<void>((resolve) => (done = resolve))]).then(() => undefined);
    this.#writeQueues.set(digest.hash, queue);
    // The hash's queue is forgotten only once every write in it has ended: a caller that leaves
    // early must not let the next one start beside a write still running.
    void queue.then(() => {
      if (this.#writeQueues.get(digest.hash) === queue) this.#writeQueues.delete(digest.hash);
    });
    const write = (async () => {
      try {
        await untilAborted(previous, signal);
        signal.throwIfAborted();
        return await work();
      } finally {
        done();
      }
    })();
    this.#writes.add(write);
    try {
      return await write;
    } finally {
      this.#writes.delete(write);
    }
  }

  /**
   * Keeps a broken upload's `bytes` for resuming (`keep`) only while all the kept ones (the
   * upload's own earlier partial file, at `partial`, aside: these bytes replace it) fit in
   * {@link KEPT_UPLOADS_SHARE} of `quota`. Otherwise they are dropped, and the client starts that
   * upload again from what was kept before, if anything.
   */
  async #keepWithinUploadBudget(quota: StoreQuota, partial: string, bytes: number, keep: () => Promise<void>): Promise<void> {
    const budget = Math.floor(quota.quotaBytes * KEPT_UPLOADS_SHARE);
    const decision = this.#uploadBudgetDecision.then(async () => {
      if ((await keptUploadBytes(this.layout.tmpDir, partial)) + bytes <= budget) await keep();
    });
    this.#uploadBudgetDecision = decision.catch(() => undefined);
    await decision;
  }

  /** Writes a new blob within the quota: reserves room (evicting if needed), runs `store`, accounts for it. */
  async #admit(digest: BlobDigest, store: () => Promise<void>): Promise<void> {
    this.#protect(digest);
    const quota = this.#quota;
    if (quota === undefined) return store();
    await quota.reserve(digest.sizeBytes, this.#evictionGuard);
    let stored = false;
    try {
      await store();
      stored = true;
    } finally {
      quota.release(digest.sizeBytes, stored);
    }
  }

  #protect(digest: BlobDigest): void {
    if (this.#quota !== undefined) this.#recentUses.note(digest.hash);
  }

  /** What eviction under the quota must keep, and the blobs it is removing. */
  readonly #evictionGuard: EvictionGuard = {
    isProtected: (hash) => this.#recentUses.has(hash),
    removing: (hash, underWay) => {
      if (underWay) this.#evicting.add(hash);
      else this.#evicting.delete(hash);
    },
  };
}

/** The blob's bytes when `chunks` is an array holding one small chunk (as batch uploads pass), else undefined. */
function wholeSmallBlob(digest: BlobDigest, chunks: BlobChunks): Uint8Array | undefined {
  if (!Array.isArray(chunks) || chunks.length !== 1 || digest.sizeBytes > SMALL_BLOB_BYTES) return undefined;
  const [chunk] = chunks as readonly BlobChunk[];
  return chunk instanceof Uint8Array ? chunk : undefined;
}

function isEmptyBlob(digest: BlobDigest): boolean {
  return digest.hash === EMPTY_BLOB_DIGEST.hash && digest.sizeBytes === 0;
}

function notFound(digest: BlobDigest): ConnectError {
  return new ConnectError(`blob ${formatDigest(digest)} is not in the store`, Code.NotFound);
}

async function verifyOnly(digest: BlobDigest, chunks: BlobChunks, signal: AbortSignal): Promise<void> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of chunks) {
    signal.throwIfAborted();
    size += byteLengthOf(chunk);
    for (const piece of piecesOf(chunk)) hash.update(piece);
  }
  checkDigest(digest, size, hash.digest("hex"));
}
