// The store's size limit: a running total of blob bytes, and room made by LRU eviction when a write needs it.
import { Code, ConnectError } from "@connectrpc/connect";
import { planEviction, removeBlobs, type EvictionGuard } from "./blob-eviction.js";
import { scanBlobFiles, type BlobFile } from "./store-scan.js";
import type { StoreLayout } from "./store-layout.js";

/** Eviction goes this far below the quota, so that it runs once per many writes, not once per write. */
export const LOW_WATERMARK_RATIO = 0.9;

/** Every well-named blob file under cas/, and their total size. */
export async function scanBlobs(layout: StoreLayout): Promise<{ blobs: BlobFile[]; bytes: number }> {
  const blobs: BlobFile[] = [];
  let bytes = 0;
  for await (const blob of scanBlobFiles(layout)) {
    if (blob.hash === undefined) continue;
    blobs.push(blob);
    bytes += blob.size;
  }
  return { blobs, bytes };
}

/**
 * Keeps the bytes of blobs in cas/ at most `quotaBytes`. The total is scanned once at open and then
 * kept by accounting; when a write would pass the quota, the store is scanned again (which also
 * counts what other processes added) and the least recently used unprotected blobs are removed
 * down to the low watermark. Room is reserved before a write starts, so concurrent writes cannot
 * overshoot together. Action-cache entries and temp files are not counted.
 */
export class StoreQuota {
  #usedBytes: number;
  #reservedBytes = 0;
  #lock: Promise<void> = Promise.resolve();

  private constructor(
    readonly layout: StoreLayout,
    readonly quotaBytes: number,
    usedBytes: number,
  ) {
    this.#usedBytes = usedBytes;
  }

  /** Scans the store once and starts accounting. */
  static async open(layout: StoreLayout, quotaBytes: number): Promise<StoreQuota> {
    return new StoreQuota(layout, quotaBytes, (await scanBlobs(layout)).bytes);
  }

  /** Where eviction stops: {@link LOW_WATERMARK_RATIO} of the quota. */
  get lowWatermarkBytes(): number {
    return Math.floor(this.quotaBytes * LOW_WATERMARK_RATIO);
  }

  /** Blob bytes stored, as far as this process knows. */
  get usedBytes(): number {
    return this.#usedBytes;
  }

  /**
   * Reserves room for a new blob of `sizeBytes`, evicting when needed. Throws RESOURCE_EXHAUSTED,
   * removing nothing, when the blob cannot fit even with every unprotected blob gone.
   */
  async reserve(sizeBytes: number, guard: EvictionGuard): Promise<void> {
    if (sizeBytes > this.quotaBytes) {
      throw new ConnectError(`a blob of ${sizeBytes} bytes is larger than the cache quota of ${this.quotaBytes} bytes`, Code.ResourceExhausted);
    }
    await this.#exclusively(async () => {
      if (this.#fits(sizeBytes)) {
        this.#reservedBytes += sizeBytes;
        return;
      }
      const { blobs, bytes } = await scanBlobs(this.layout);
      this.#usedBytes = bytes;
      if (!this.#fits(sizeBytes)) await this.#evictFor(sizeBytes, blobs, guard);
      this.#reservedBytes += sizeBytes;
    });
  }

  /** Ends a reservation: `stored` when the blob was added to cas/ (then it counts as used). */
  release(sizeBytes: number, stored: boolean): void {
    this.#reservedBytes -= sizeBytes;
    if (stored) this.#usedBytes += sizeBytes;
  }

  /**
   * Evicts down to the low watermark when the store is over its quota (as `store gc` does);
   * returns the blobs and bytes removed.
   */
  async enforce(guard: EvictionGuard): Promise<{ blobs: number; bytes: number }> {
    return this.#exclusively(async () => {
      const { blobs, bytes } = await scanBlobs(this.layout);
      this.#usedBytes = bytes;
      if (bytes + this.#reservedBytes <= this.quotaBytes) return { blobs: 0, bytes: 0 };
      const plan = planEviction(blobs, guard, Math.max(0, this.lowWatermarkBytes - this.#reservedBytes));
      const freed = await removeBlobs(plan.victims, guard);
      this.#usedBytes -= freed;
      return { blobs: plan.victims.length, bytes: freed };
    });
  }

  #fits(sizeBytes: number): boolean {
    return this.#usedBytes + this.#reservedBytes + sizeBytes <= this.quotaBytes;
  }

  async #evictFor(sizeBytes: number, blobs: readonly BlobFile[], guard: EvictionGuard): Promise<void> {
    const room = this.#reservedBytes + sizeBytes;
    let plan = planEviction(blobs, guard, this.lowWatermarkBytes - room);
    if (!plan.fits) plan = planEviction(blobs, guard, this.quotaBytes - room);
    if (!plan.fits) {
      throw new ConnectError(
        `the cache is full: ${this.#usedBytes} of ${this.quotaBytes} bytes are used by blobs this run needs or writes, no room for ${sizeBytes} more`,
        Code.ResourceExhausted,
      );
    }
    const freed = await removeBlobs(plan.victims, guard);
    this.#usedBytes -= freed;
  }

  #exclusively<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#lock.then(work);
    this.#lock = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
