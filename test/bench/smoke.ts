// The benchmark harness (npm run bench) at smoke scale writes every row of its report, with numbers.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import t from "tap";
import { sidRoot } from "../helpers/peers.js";
import { untappedEnv } from "../helpers/run-tool.js";

const HARNESS = fileURLToPath(new URL("../../bench/run.mjs", import.meta.url));

/** Every summary row, in order: the issue's, then the references (figure text, whether it carries a goal). */
const EXPECTED_ROWS: ReadonlyArray<readonly [RegExp, boolean]> = [
  [/^fixed cost of `bst-cas-run -- true`$/, true],
  [/^recc cache hit through the socket, embedded store/, true],
  [/^recc cache hit through the socket, proxied to casd/, true],
  [/^recc cache hit, end to end `bst-cas-run -- recc/, true],
  [/^recc cache hit, end to end `bst-cas-run --remote/, true],
  [/^[0-9.]+ [KM]iB upload, embedded store$/, true],
  [/^[0-9.]+ [KM]iB upload, proxied to casd$/, true],
  [/^[0-9.]+ [KM]iB upload, proxied to casd, against a byte relay$/, true],
  [/^[0-9.]+ [KM]iB download, embedded store$/, true],
  [/^[0-9.]+ [KM]iB download, proxied to casd$/, true],
  [/^[0-9.]+ [KM]iB download, proxied to casd, against a byte relay$/, true],
  [/^[0-9]+ blobs of 4 KiB uploaded, embedded$/, true],
  [/^[0-9]+ blobs re-uploaded \(all present\), embedded$/, false],
  [/^[0-9]+ blobs of 4 KiB uploaded, proxied to casd$/, true],
  [/^[0-9]+ blobs re-uploaded \(all present\), proxied to casd$/, false],
  [/^server peak RSS streaming a [0-9.]+ [KM]iB blob, embedded$/, true],
  [/^server peak RSS streaming a [0-9.]+ [KM]iB blob, proxied to casd$/, false],
  [/^fixed cost of `bst-cas-run -- true`, NODE_EXTRA_CA_CERTS unset for both node commands$/, false],
  [/^[0-9.]+ [KM]iB upload, proxied to casd, against a plain Node byte relay$/, false],
  [/^[0-9.]+ [KM]iB download, proxied to casd, against a plain Node byte relay$/, false],
];

/** The cells of the summary table's body rows. */
function summaryRows(report: string): string[][] {
  const section = report.split(/^## /m).find((part) => part.startsWith("Summary")) ?? "";
  return section
    .split("\n")
    .filter((line) => /^\| [0-9]+ \|/.test(line))
    .map((line) => line.slice(2, -2).split(" | "));
}

t.test("bench --scale=smoke measures every figure beside its anchor", async (t) => {
  const root = await sidRoot();
  const out = join(t.testdir(), "BENCHMARKS.md");
  // Without tap's NODE_OPTIONS and _TAPJS_* variables, which every measured node child would inherit.
  const env = untappedEnv();
  const result = await execa(process.execPath, [HARNESS, "--scale=smoke"], {
    env: { ...env, BENCH_OUT: out, BENCH_ROOT: root },
    extendEnv: false,
    reject: false,
    timeout: 300_000,
  });
  t.equal(result.exitCode, 0, `the harness succeeds: ${String(result.stderr).slice(-2000)}`);
  const report = await readFile(out, "utf8");
  t.match(report, /Smoke scale/, "the report says its figures are toy figures");
  t.match(report, /\| CPU \| .+, nproc [0-9]+ \|/, "the machine is described");
  t.match(report, /\| node \| v[0-9]+\./, "node's version is given");
  t.match(report, /\| bubblewrap \| bubblewrap [0-9.]+ \|/, "bwrap's version is given");
  t.match(report, /\| buildbox \| buildbox 1\.4\./, "buildbox's version is given");

  const rows = summaryRows(report);
  t.equal(rows.length, EXPECTED_ROWS.length, "one summary row per figure");
  t.ok(
    rows.every((cells, index) => EXPECTED_ROWS[index]?.[0].test(cells[1] ?? "") === true),
    "the rows in order: the issue's keep their numbers, the references come after them",
  );
  for (const [figure, hasGoal] of EXPECTED_ROWS) {
    const found = rows.find((cells) => figure.test(cells[1] ?? ""));
    if (!t.ok(found, `a row for ${figure}`) || found === undefined) continue;
    const [, name, value, anchor, ratio, , goal, verdict] = found;
    t.match(value, /[0-9]+(\.[0-9]+)? (ms|s|MiB|MiB\/s)\b/, `${name}: a measured figure`);
    if (!/peak RSS/.test(name ?? "")) t.match(anchor, /[0-9]+(\.[0-9]+)? (ms|s|MiB\/s)\b/, `${name}: the anchor's figure`);
    t.match(ratio, /^[0-9]+\.[0-9]{2,3} x\b/, `${name}: a ratio`);
    if (hasGoal) {
      t.match(goal, /^(at most|at least) [0-9.]+ x$|^under 150 MiB$/, `${name}: its goal`);
      t.match(verdict, /^\*\*(met|missed)\*\*$/, `${name}: a verdict`);
    } else {
      t.equal(verdict, "info", `${name}: no goal, no verdict`);
    }
  }
});
