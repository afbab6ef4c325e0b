// A one-line transfer meter on stderr, shown only on a terminal and only for transfers that take a while.

/** Counts bytes moved; draws nothing unless the stream is a terminal. */
export interface Progress {
  /** Counts `bytes` more as moved. */
  add(bytes: number): void;
  /** Raises the total (bytes found to move after the start). */
  addTotal(bytes: number): void;
  /** Stops drawing and erases the line. */
  finish(): void;
}

/** Where the meter is drawn and how. */
export interface ProgressOptions {
  /** What is moving, e.g. "uploading". */
  readonly label: string;
  /** Bytes expected in all, when known. */
  readonly totalBytes?: number;
  /** The stream to draw on: drawn only when `isTTY` is true. */
  readonly stream: { readonly isTTY?: boolean; write(text: string): unknown };
  /** Nothing is drawn before this much time has passed (default 2 s). */
  readonly delayMs?: number;
  /** Redraw period (default 250 ms). */
  readonly intervalMs?: number;
}

const SILENT: Progress = { add() {}, addTotal() {}, finish() {} };

/** Starts a meter: the first line appears after `delayMs`, so quick transfers stay silent. */
export function startProgress(options: ProgressOptions): Progress {
  if (options.stream.isTTY !== true) return SILENT;
  const started = Date.now();
  const delayMs = options.delayMs ?? 2000;
  let done = 0;
  let total = options.totalBytes;
  let drawn = false;
  const timer = setInterval(() => {
    const elapsed = Date.now() - started;
    if (elapsed < delayMs) return;
    drawn = true;
    options.stream.write(`\r${formatProgress(options.label, done, total, elapsed)}\u001b[K`);
  }, options.intervalMs ?? 250);
  timer.unref();
  return {
    add(bytes) {
      done += bytes;
    },
    addTotal(bytes) {
      total = (total ?? 0) + bytes;
    },
    finish() {
      clearInterval(timer);
      if (drawn) options.stream.write("\r\u001b[K");
    },
  };
}

/** `label 12.0 MiB / 100 MiB (12%)  4.0 MiB/s  ETA 0:22`, without the parts that are unknown. */
export function formatProgress(label: string, done: number, total: number | undefined, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const parts = [label, total === undefined ? formatBytes(done) : `${formatBytes(done)} / ${formatBytes(total)}`];
  if (total !== undefined && total > 0) parts[1] += ` (${Math.floor((Math.min(done, total) * 100) / total)}%)`;
  parts.push(`${formatBytes(rate)}/s`);
  if (total !== undefined && rate > 0 && done < total) parts.push(`ETA ${formatDuration((total - done) / rate)}`);
  return parts.join("  ");
}

/** Bytes in B, KiB, MiB, GiB or TiB, one decimal above bytes. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Seconds as m:ss, or h:mm:ss from an hour. */
export function formatDuration(seconds: number): string {
  const whole = Math.ceil(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}
