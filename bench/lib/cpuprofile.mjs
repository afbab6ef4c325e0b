// Summarizes a V8 .cpuprofile: where the busy time went, by package and by function, with the
// bundles' minified positions mapped back to src/ and node_modules/ through dist's source maps.
import { existsSync, readFileSync } from "node:fs";
import { SourceMap } from "node:module";

/**
 * Reads `path` and returns the sampled busy time (idle excluded) between `from` and `to` (monotonic
 * microseconds, as process.hrtime.bigint() / 1000n gives: V8 stamps profiles on the same clock),
 * grouped by package/file, by function (self) and by function (inclusive). Frames in one of
 * `bundles` (paths of dist's bundles) are mapped through the source map beside it.
 */
export function summarizeProfile(path, { bundles = [], from = 0, to = Infinity } = {}) {
  const profile = JSON.parse(readFileSync(path, "utf8"));
  const fromMs = (from - profile.startTime) / 1000;
  const toMs = (to - profile.startTime) / 1000;
  const maps = new Map(
    bundles.filter((bundle) => existsSync(`${bundle}.map`)).map((bundle) => [bundle.split("/").pop(), new SourceMap(JSON.parse(readFileSync(`${bundle}.map`, "utf8")))]),
  );
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const where = (frame) => {
    const map = maps.get(frame.url.split("/").pop());
    if (map) {
      const entry = map.findEntry(frame.lineNumber, frame.columnNumber);
      if (entry?.originalSource) {
        const source = entry.originalSource.replace(/^.*node_modules\//, "node_modules/").replace(/^.*?\/?src\//, "src/");
        const pkg = /^node_modules\/(@[^/]+\/[^/]+|[^/]+)/.exec(source)?.[1];
        return { fn: `${entry.name ?? (frame.functionName || "(anonymous)")} ${source}:${entry.originalLine + 1}`, file: pkg ? `npm:${pkg}` : source };
      }
    }
    const url = frame.url.replace(/^file:\/\//, "");
    const file = url === "" ? frame.functionName : url.startsWith("node:") ? url.split("/").slice(0, 2).join("/") : url;
    return { fn: `${frame.functionName || "(anonymous)"} ${url.split("/").slice(-2).join("/")}:${frame.lineNumber + 1}`, file };
  };

  const self = new Map();
  const files = new Map();
  const inclusive = new Map();
  let clock = 0;
  let busy = 0;
  const add = (table, key, value) => table.set(key, (table.get(key) ?? 0) + value);
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    clock += delta;
    if (clock < fromMs * 1000 || clock > toMs * 1000) return;
    const node = nodes.get(id);
    if (node.callFrame.functionName === "(idle)") return;
    busy += delta;
    const here = where(node.callFrame);
    add(self, here.fn, delta);
    add(files, here.file, delta);
    const seen = new Set();
    for (let current = id; current !== undefined; current = parent.get(current)) {
      const key = where(nodes.get(current).callFrame).fn;
      if (seen.has(key)) continue;
      seen.add(key);
      add(inclusive, key, delta);
    }
  });
  const top = (table, count, keep = () => true) =>
    [...table].filter(([key]) => keep(key)).sort((a, b) => b[1] - a[1]).slice(0, count).map(([key, us]) => ({ name: key, ms: us / 1000, share: us / busy }));
  return {
    busyMs: busy / 1000,
    byFile: top(files, 15),
    bySelf: top(self, 20),
    byInclusive: top(inclusive, 25, (key) => / (src|node_modules)\//.test(key)),
  };
}

/** The summary as text. */
export function formatSummary(summary) {
  const lines = [`busy (sampled, idle excluded): ${summary.busyMs.toFixed(1)} ms`];
  for (const [title, rows] of [["self time by package or file", summary.byFile], ["self time by function", summary.bySelf], ["inclusive time, project and dependencies", summary.byInclusive]]) {
    lines.push(`--- ${title}`);
    for (const row of rows) lines.push(`${row.ms.toFixed(1).padStart(9)} ms ${(100 * row.share).toFixed(1).padStart(5)}%  ${row.name}`);
  }
  return lines.join("\n");
}
