// Order statistics for a list of samples: median, quartiles, min and max.

/** The q-quantile (0..1) of `values` by linear interpolation between order statistics. */
export function quantile(values, q) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

/** Summary of samples: n, median, min, max, p25, p75. */
export function summarize(values) {
  return {
    n: values.length,
    median: quantile(values, 0.5),
    min: Math.min(...values),
    max: Math.max(...values),
    p25: quantile(values, 0.25),
    p75: quantile(values, 0.75),
  };
}

/** Element-wise ratios a[i]/b[i] of two sample lists taken in the same rounds. */
export function pairedRatios(a, b) {
  const n = Math.min(a.length, b.length);
  const ratios = [];
  for (let index = 0; index < n; index++) ratios.push(a[index] / b[index]);
  return ratios;
}

/**
 * How samples `a` compare with samples `b` taken in the same rounds: the median of the per-round
 * ratios a[i]/b[i], and their spread. A round runs the compared commands back to back, so each of
 * its ratios sets runs made under the same load side by side; when the machine speeds up or slows
 * down between rounds, a ratio of the two medians can set a fast round's run beside a slow one's.
 */
export function pairedComparison(a, b) {
  const spread = summarize(pairedRatios(a, b));
  return { ratio: spread.median, spread };
}
