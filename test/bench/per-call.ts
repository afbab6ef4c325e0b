// bench/per-call.mjs at a handful of calls: every case measured on casd, serve and the bare node:http2 server, each call answered as expected (a paced hit a hit).
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import t from "tap";
import { sidRoot } from "../helpers/peers.js";
import { untappedEnv } from "../helpers/run-tool.js";

const TOOL = fileURLToPath(new URL("../../bench/per-call.mjs", import.meta.url));
const CASES = [
  "fresh connection, one GetCapabilities (5 each)",
  "one connection, BatchReadBlobs of 1 KiB (5 each)",
  "one connection, GetActionResult that misses (5 each)",
  "a recc hit's calls, 130 ms apart: fresh connection, GetActionResult that hits, BatchReadBlobs (2 each)",
];

t.test("per-call prints latency and CPU for every case and server", async (t) => {
  const env = untappedEnv();
  const result = await execa(process.execPath, [TOOL], {
    env: { ...env, BENCH_ROOT: await sidRoot(), PER_CALL_RUNS: "5", PER_CALL_PACED_RUNS: "2" },
    extendEnv: false,
    reject: false,
    timeout: 120_000,
  });
  t.equal(result.exitCode, 0, `the tool succeeds: ${String(result.stderr).slice(-2000)}`);
  const sections = String(result.stdout).trim().split("\n\n");
  t.strictSame(sections.map((section) => section.split("\n")[0]), CASES, "every case, in order");
  for (const section of sections) {
    const servers = section.split("\n").slice(1).filter(Boolean).map((line) => /^ {2}(\w+) +median [0-9.]+ ms \(p25-p75 [0-9.]+-[0-9.]+\), server CPU [0-9.]+ ms each$/.exec(line)?.[1]);
    t.strictSame(servers, ["casd", "serve", "bare"], `${section.split(" (")[0]}: a figure for each server`);
  }
});
