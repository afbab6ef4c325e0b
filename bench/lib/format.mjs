// Number formatting for the report.

const MiB = 1024 * 1024;

/** Seconds as "41.2 ms" or "2.35 s". */
export function seconds(value) {
  if (!Number.isFinite(value)) return "n/a";
  if (value < 1) return `${(value * 1000).toFixed(value < 0.1 ? 1 : 0)} ms`;
  return `${value.toFixed(2)} s`;
}

/** Bytes per second as "312 MiB/s". */
export function throughput(bytes, secondsTaken) {
  const value = bytes / secondsTaken / MiB;
  if (!Number.isFinite(value)) return "n/a";
  return `${value.toFixed(value < 10 ? 2 : 0)} MiB/s`;
}

/** Bytes as "512 MiB" or "4 KiB". */
export function size(bytes) {
  if (bytes >= MiB) return `${+(bytes / MiB).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** A ratio as "1.23 x". */
export function ratio(value) {
  return Number.isFinite(value) ? `${value.toFixed(2)} x` : "n/a";
}
