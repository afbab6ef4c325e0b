// Sizes and run counts of one benchmark run: "full" (the real figures) or "smoke" (the harness, fast).

const MiB = 1024 * 1024;

export const SCALES = {
  full: {
    name: "full",
    fixedRuns: 30,
    reccRuns: 20,
    reccEndToEndRuns: 15,
    bigBytes: 512 * MiB,
    bigRuns: 5,
    treeFiles: 2000,
    treeFileBytes: 4096,
    treeRuns: 10,
    warmupBlobs: 6000,
    rssBytes: 2048 * MiB,
  },
  smoke: {
    name: "smoke",
    fixedRuns: 2,
    reccRuns: 2,
    reccEndToEndRuns: 2,
    bigBytes: 4 * MiB,
    bigRuns: 2,
    treeFiles: 40,
    treeFileBytes: 4096,
    treeRuns: 2,
    warmupBlobs: 100,
    rssBytes: 8 * MiB,
  },
};

/**
 * The scale chosen by `--scale=NAME` or BENCH_SCALE, with BENCH_RUNS (every run count) and
 * BENCH_BIG_MIB / BENCH_RSS_MIB / BENCH_TREE_FILES overriding single values.
 */
export function chooseScale(argv, env) {
  const flag = argv.find((arg) => arg.startsWith("--scale="))?.slice("--scale=".length);
  const name = flag ?? env.BENCH_SCALE ?? "full";
  const base = SCALES[name];
  if (base === undefined) throw new Error(`unknown scale ${JSON.stringify(name)}: use ${Object.keys(SCALES).join(" or ")}`);
  const scale = { ...base };
  const number = (variable) => {
    const text = env[variable];
    if (text === undefined || text === "") return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${variable} must be a positive integer, got ${JSON.stringify(text)}`);
    return value;
  };
  const runs = number("BENCH_RUNS");
  if (runs !== undefined) for (const key of ["fixedRuns", "reccRuns", "reccEndToEndRuns", "bigRuns", "treeRuns"]) scale[key] = runs;
  if (number("BENCH_BIG_MIB") !== undefined) scale.bigBytes = number("BENCH_BIG_MIB") * MiB;
  if (number("BENCH_RSS_MIB") !== undefined) scale.rssBytes = number("BENCH_RSS_MIB") * MiB;
  if (number("BENCH_TREE_FILES") !== undefined) scale.treeFiles = number("BENCH_TREE_FILES");
  return scale;
}
