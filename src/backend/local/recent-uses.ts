// The blobs a store has handed out, found or written lately: what eviction under a quota must keep.

/** Options for {@link RecentUses}. */
export interface RecentUsesOptions {
  /** How long a use keeps a blob; for as long as the store is open when absent. */
  readonly keepForMs?: number;
  /** The clock, in milliseconds (tests pass their own). */
  readonly now?: () => number;
}

/**
 * Hashes with the time of their last use. A one-command run keeps every blob it used (its build
 * may still need them); a long-lived server keeps them for a window only, or in time it would keep
 * the whole store and refuse every new blob. Held in order of last use, so that forgetting the
 * expired ones costs only what expired.
 */
export class RecentUses {
  readonly #lastUse = new Map<string, number>();
  readonly #keepForMs: number | undefined;
  readonly #now: () => number;

  constructor(options: RecentUsesOptions = {}) {
    this.#keepForMs = options.keepForMs;
    this.#now = options.now ?? Date.now;
  }

  /** Records a use of `hash` now. */
  note(hash: string): void {
    const now = this.#now();
    this.#lastUse.delete(hash);
    this.#lastUse.set(hash, now);
    this.#forgetExpired(now);
  }

  /** True when `hash` was used within the window (ever, without one). */
  has(hash: string): boolean {
    const lastUse = this.#lastUse.get(hash);
    if (lastUse === undefined) return false;
    return this.#keepForMs === undefined || this.#now() - lastUse < this.#keepForMs;
  }

  /** How many uses are remembered. */
  get size(): number {
    return this.#lastUse.size;
  }

  #forgetExpired(now: number): void {
    if (this.#keepForMs === undefined) return;
    for (const [hash, lastUse] of this.#lastUse) {
      if (now - lastUse < this.#keepForMs) return;
      this.#lastUse.delete(hash);
    }
  }
}
