#!/usr/bin/env node
// `npm run bench`: measures bst-cas-run beside its anchors (bare bwrap, node, buildbox-casd, a socat
// relay) in one run, interleaving the compared commands, and writes BENCHMARKS.md.
//
// Environment: BENCH_SCALE=full|smoke (or --scale=), BENCH_OUT (the report; BENCHMARKS.md for
// full, a temp file for smoke), BENCH_JSON (where the raw samples go; a temp file by default), BENCH_ROOT (the sid root;
// built or reused by test/interop/build-root.sh otherwise), BENCH_BIN (the launcher to measure),
// BENCH_RUNS / BENCH_BIG_MIB / BENCH_RSS_MIB / BENCH_TREE_FILES (override the scale),
// BENCH_KEEP=1 (keep the work directories). `--render=FILE` rewrites the report from a BENCH_JSON file.
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chooseScale } from "./lib/config.mjs";
import { sha256File, writeRandomFile, writeRandomTree } from "./lib/data.mjs";
import { describeMachine, loadNow } from "./lib/machine.mjs";
import { ratio, seconds, size, throughput } from "./lib/format.mjs";
import { cleanEnv, memoryOf, Services, timed, withCpu } from "./lib/procs.mjs";
import { renderReport } from "./lib/report.mjs";
import { pairedComparison, summarize } from "./lib/stats.mjs";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const scale = chooseScale(process.argv.slice(2), process.env);
const BIN = process.env.BENCH_BIN ?? join(REPO, "bin", "bst-cas-run.cjs");
const OUT = process.env.BENCH_OUT ?? (scale.name === "full" ? join(REPO, "BENCHMARKS.md") : join(tmpdir(), "bst-cas-run-BENCHMARKS.smoke.md"));
/** The PATH bst-cas-run gives a command with --clearenv (src/cli/build-run-options.ts). */
const MINIMAL_PATH = "/usr/local/bin:/usr/bin:/bin";
/** Where the socket appears in every sandbox, as bst-cas-run binds it by default. */
const SANDBOX_SOCKET = "/run/reapi.sock";
const HELLO_C = '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n';
const HIT = /Action Cache hit for/;
const runId = randomUUID();

function log(message) {
  process.stderr.write(`bench: ${message}\n`);
}

function sidRoot() {
  if (process.env.BENCH_ROOT) return process.env.BENCH_ROOT;
  log("building or reusing the sid root (test/interop/build-root.sh)");
  const output = execFileSync("bash", [join(REPO, "test", "interop", "build-root.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  return output.trim().split("\n").pop();
}

/**
 * A command in the sandbox shape bst-cas-run builds for `--root ROOT --bind SRC:/src --chdir /src
 * --clearenv` (src/sandbox/bwrap-args.ts), with `socket` bound at /run/reapi.sock and the
 * environment bst-cas-run exports (src/sandbox/recc-environment.ts).
 */
function inSandbox(root, src, socket, command, extraEnv = {}) {
  const args = [
    "--ro-bind", root, "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--tmpfs", "/run",
    "--bind", src, "/src", "--bind", socket, SANDBOX_SOCKET,
    "--unshare-all", "--die-with-parent", "--new-session", "--chdir", "/src", "--", ...command,
  ];
  const server = `unix:${SANDBOX_SOCKET}`;
  const env = {
    PATH: MINIMAL_PATH,
    RECC_SERVER: server, RECC_CAS_SERVER: server, RECC_ACTION_CACHE_SERVER: server,
    RECC_INSTANCE: "", RECC_CAS_INSTANCE: "", RECC_ACTION_CACHE_INSTANCE: "",
    RECC_CACHE_ONLY: "1", RECC_DEPS_GLOBAL_PATHS: "1", REAPI_SOCKET: SANDBOX_SOCKET,
    ...extraEnv,
  };
  return { args, env };
}

/** Runs a command in the sandbox shape and times it. */
function timedInSandbox(root, src, socket, command, extraEnv) {
  const { args, env } = inSandbox(root, src, socket, command, extraEnv);
  return timed("bwrap", args, { env });
}

/** Flushes dirty pages so that one run's writeback does not land in the next run's time. */
async function sync() {
  await timed("sync", []);
}

/**
 * Runs every case once per round, rotating the order each round, after `warmups` untimed rounds.
 * A case's `run(round, warmup)` resolves with named measures: seconds, or { time, cpu } where
 * cpu is the CPU seconds each server used (role → seconds). Resolves with
 * { times: id → name → seconds[], cpu: id → name → { role → seconds }[] }.
 */
async function interleave(label, cases, rounds, warmups = 1) {
  const times = Object.fromEntries(cases.map((entry) => [entry.id, {}]));
  const cpu = Object.fromEntries(cases.map((entry) => [entry.id, {}]));
  for (let round = 0; round < warmups; round++) {
    for (const entry of cases) await entry.run(`warmup${round}`, true);
  }
  for (let round = 0; round < rounds; round++) {
    for (let index = 0; index < cases.length; index++) {
      const entry = cases[(index + round) % cases.length];
      const measured = await entry.run(round, false);
      for (const [name, value] of Object.entries(measured)) {
        (times[entry.id][name] ??= []).push(typeof value === "number" ? value : value.time);
        if (typeof value !== "number") (cpu[entry.id][name] ??= []).push(value.cpu);
      }
    }
    process.stderr.write(`bench: ${label}: round ${round + 1}/${rounds}\r`);
  }
  process.stderr.write("\n");
  return { times, cpu };
}

/** Times `work` (resolving with { seconds }) and the CPU the servers of `pids` used meanwhile. */
async function timedWithCpu(pids, work) {
  const { result, cpu } = await withCpu(pids, work);
  return { time: result.seconds, cpu };
}

/** `--render=FILE`: writes the report again from a BENCH_JSON file (after editing bench/NOTES.md). */
async function render(file) {
  const results = JSON.parse(await readFile(file, "utf8"));
  const notesPath = join(REPO, "bench", "NOTES.md");
  const notes = results.scale.name === "full" && existsSync(notesPath) ? await readFile(notesPath, "utf8") : undefined;
  await writeFile(OUT, renderReport(results, notes));
  log(`wrote ${OUT} from ${file}`);
}

async function main() {
  const renderFrom = process.argv.find((arg) => arg.startsWith("--render="))?.slice("--render=".length);
  if (renderFrom !== undefined) return render(renderFrom);
  const started = Date.now();
  const root = sidRoot();
  for (const tool of ["bwrap", "socat"]) {
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    } catch {
      throw new Error(`${tool} is not installed (apt-get install ${tool === "bwrap" ? "bubblewrap" : tool})`);
    }
  }
  if (!existsSync(BIN)) throw new Error(`${BIN} does not exist: run npm run build`);
  const machine = describeMachine({ root, bin: BIN, repo: REPO });
  log(`scale ${scale.name}, root ${root}, report ${OUT}`);

  const disk = await mkdtemp(join(tmpdir(), "bst-cas-run-bench-"));
  const memory = existsSync("/dev/shm") ? await mkdtemp("/dev/shm/bst-cas-run-bench-") : await mkdtemp(join(disk, "shm-"));
  const services = new Services();
  const results = { scale, machine, sections: [], rows: [], raw: {} };
  const stopOnSignal = () => {
    services.stopAll().finally(() => process.exit(130));
  };
  process.once("SIGINT", stopOnSignal);
  process.once("SIGTERM", stopOnSignal);
  try {
    const sock = join(disk, "sock");
    const dirs = { casdCache: join(disk, "casd-cache"), embStore: join(disk, "emb-store"), e2eStore: join(disk, "e2e-store"), fixed: join(disk, "fixed"), fixedStore: join(disk, "fixed-store"), recc: join(disk, "recc"), src: join(memory, "src") };
    for (const dir of [sock, ...Object.values(dirs)]) await mkdir(dir, { recursive: true });
    await writeFile(join(dirs.recc, "hello.c"), HELLO_C);

    const casd = await services.startCasd(root, sock, dirs.casdCache);
    const sockets = { straight: join(sock, "casd.sock"), emb: join(sock, "emb.sock"), proxy: join(sock, "proxy.sock"), relay: join(sock, "relay.sock"), nodeRelay: join(sock, "node-relay.sock") };
    const emb = await services.startServe(BIN, sockets.emb, ["--cache-dir", dirs.embStore, "--action-cache-enable-update"]);
    const proxy = await services.startServe(BIN, sockets.proxy, ["--remote", `unix:${sockets.straight}`]);
    const relay = await services.startRelay(sockets.relay, sockets.straight);
    const nodeRelay = await services.startNodeRelay(sockets.nodeRelay, sockets.straight);
    // Whose CPU time counts for each path: the servers a call goes through.
    const pids = {
      emb: { serve: emb.pid },
      proxy: { serve: proxy.pid, casd: casd.pid },
      straight: { casd: casd.pid },
      relay: { socat: relay.pid, casd: casd.pid },
      nodeRelay: { node: nodeRelay.pid, casd: casd.pid },
    };
    const ctx = { root, sockets, dirs, services, results, pids };

    await section(results, "fixed", () => fixedCost(ctx));
    await section(results, "recc", () => reccHits(ctx));
    await section(results, "transfer", () => transfers(ctx));
    await section(results, "tree", () => smallBlobs(ctx));
    await services.stopAll();
    await section(results, "rss", () => peakRss(ctx));
    // Reference rows (no goal of their own) come after the goal rows, which so keep their numbers.
    results.rows.sort((a, b) => Number(a.reference === true) - Number(b.reference === true));
  } finally {
    await services.stopAll();
    if (process.env.BENCH_KEEP !== "1") {
      await rm(disk, { recursive: true, force: true });
      await rm(memory, { recursive: true, force: true });
    } else {
      log(`kept ${disk} and ${memory}`);
    }
  }
  machine.loadEnd = loadNow();
  results.totalSeconds = (Date.now() - started) / 1000;
  const notesPath = join(REPO, "bench", "NOTES.md");
  const notes = scale.name === "full" && existsSync(notesPath) ? await readFile(notesPath, "utf8") : undefined;
  await writeFile(OUT, renderReport(results, notes));
  const json = process.env.BENCH_JSON ?? join(tmpdir(), `bst-cas-run-bench-${scale.name}.json`);
  await writeFile(json, `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote ${OUT} (${(results.totalSeconds / 60).toFixed(1)} min); raw samples in ${json}`);
}

async function section(results, id, body) {
  const start = Date.now();
  log(`${id}: start (load ${loadNow()})`);
  await body();
  const entry = results.sections.find((candidate) => candidate.id === id);
  if (entry) entry.seconds = (Date.now() - start) / 1000;
}

/** Adds a summary row: `value` of the project, `anchor` of what it is compared to, and the goal. */
function row(results, fields) {
  const met = fields.goal === undefined ? undefined : fields.goal.better === "lower" ? fields.ratio <= fields.goal.limit : fields.ratio >= fields.goal.limit;
  results.rows.push({ ...fields, verdict: met === undefined ? "info" : met ? "met" : "missed" });
}

/** Per-command summaries for a section's detail table, with the servers' median CPU seconds. */
function detailLines({ times, cpu }, labels, bytes) {
  const lines = [];
  for (const [id, measures] of Object.entries(times)) {
    for (const [name, values] of Object.entries(measures)) {
      const runs = cpu[id]?.[name];
      const serverCpu = runs === undefined ? undefined : Object.fromEntries(Object.keys(runs[0] ?? {}).map((role) => [role, mean(runs.map((run) => run[role]))]));
      lines.push({ id, name, label: labels[id]?.[name] ?? labels[id] ?? `${id} ${name}`, bytes, cpu: serverCpu, ...summarize(values) });
    }
  }
  return lines;
}

/** The mean: CPU times come in 10 ms ticks, which a median of short runs would round to 0. */
function mean(values) {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** The servers' mean CPU per run of `id` against `anchor`'s, for measure `name`. */
function cpuCompare(cpu, id, anchor, name) {
  const runs = cpu[id]?.[name];
  const base = cpu[anchor]?.[name];
  if (runs === undefined || base === undefined) return undefined;
  const total = (list) => mean(list.map((run) => Object.values(run).reduce((sum, value) => sum + value, 0)));
  const describe = (list) => Object.keys(list[0]).map((role) => `${role} ${seconds(mean(list.map((run) => run[role])))}`).join(" + ");
  return { ratio: total(runs) / total(base), text: `${describe(runs)} vs ${describe(base)}` };
}

// Row 1: the fixed cost of a run, against bare bwrap and node's own start; and the same with
// NODE_EXTRA_CA_CERTS unset, which makes Node read and parse that file at every start.
async function fixedCost({ dirs, results }) {
  const bwrapArgs = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-all", "--die-with-parent", "--new-session", "true"];
  const { NODE_EXTRA_CA_CERTS: extraCaCerts, ...withoutExtraCa } = cleanEnv();
  const tool = (env) => async () => ({ time: (await timed(process.execPath, [BIN, "--cache-dir", dirs.fixedStore, "--", "true"], { cwd: dirs.fixed, env })).seconds });
  const node = (env) => async () => ({ time: (await timed(process.execPath, ["-e", "0"], { env })).seconds });
  const cases = [
    { id: "tool", run: tool(undefined) },
    { id: "bwrap", run: async () => ({ time: (await timed("bwrap", bwrapArgs)).seconds }) },
    { id: "node", run: node(undefined) },
    { id: "toolNoExtraCa", run: tool(withoutExtraCa) },
    { id: "nodeNoExtraCa", run: node(withoutExtraCa) },
  ];
  const measured = await interleave("fixed cost", cases, scale.fixedRuns, 2);
  results.raw.fixed = measured;
  const samples = measured.times;
  const bwrap = summarize(samples.bwrap.time);
  /** The median run of `toolId` and `nodeId`, and each round's overhead over its own bwrap run against its own `node -e 0`. */
  const overheadOf = (toolId, nodeId) => ({
    tool: summarize(samples[toolId].time),
    node: summarize(samples[nodeId].time),
    perRound: summarize(samples[toolId].time.map((value, index) => (value - samples.bwrap.time[index]) / samples[nodeId].time[index])),
  });
  const asSet = overheadOf("tool", "node");
  const unset = overheadOf("toolNoExtraCa", "nodeNoExtraCa");
  results.sections.push({
    id: "fixed",
    title: "Fixed cost of a run",
    commands: [
      `bst-cas-run --cache-dir STORE -- true (host root, from a scratch directory; embedded store)`,
      `bwrap ${bwrapArgs.join(" ")}`,
      `node -e 0`,
      "the two node commands again with NODE_EXTRA_CA_CERTS removed from their environment",
    ],
    lines: detailLines(measured, {
      tool: "`bst-cas-run -- true`",
      bwrap: "bare `bwrap ... true`",
      node: "`node -e 0`",
      toolNoExtraCa: "`bst-cas-run -- true`, NODE_EXTRA_CA_CERTS unset",
      nodeNoExtraCa: "`node -e 0`, NODE_EXTRA_CA_CERTS unset",
    }),
    extra: [
      `overhead over bare bwrap: ${seconds(asSet.tool.median - bwrap.median)} (median of bst-cas-run minus median of bwrap)`,
      `NODE_EXTRA_CA_CERTS in this run's environment: ${extraCaCerts === undefined ? "not set (both pairs measure the same)" : `set (${extraCaCerts})`}`,
    ],
  });
  const fixedRow = (id, figure, { tool: toolRuns, node: nodeRuns, perRound }, extra) =>
    row(results, {
      id,
      figure,
      value: `${seconds(toolRuns.median)} (overhead over bwrap ${seconds(toolRuns.median - bwrap.median)})`,
      anchor: `bare bwrap ${seconds(bwrap.median)}; \`node -e 0\` ${seconds(nodeRuns.median)}`,
      ratio: perRound.median,
      ratioNote: "overhead ÷ node",
      spread: perRound,
      ...extra,
    });
  fixedRow("fixed-cost", "fixed cost of `bst-cas-run -- true`", asSet, { goal: { better: "lower", limit: 1.3 } });
  // Node reads NODE_EXTRA_CA_CERTS before any script runs, so the variable weighs on both sides of row 1.
  fixedRow("fixed-cost-no-extra-ca", "fixed cost of `bst-cas-run -- true`, NODE_EXTRA_CA_CERTS unset for both node commands", unset, { reference: true });
}

// Rows 2-3: a recc cache hit through the socket (embedded, proxied) against casd straight.
async function reccHits({ root, sockets, dirs, results, pids }) {
  const compile = ["recc", "gcc", "-c", "hello.c", "-o", "hello.o"];
  const viaSocket = (socket, env) => timedInSandbox(root, dirs.recc, socket, compile, env);
  const e2eArgs = (backend) => [BIN, ...backend, "--root", root, "--bind", `${dirs.recc}:/src`, "--chdir", "/src", "--clearenv"];
  const e2eBackends = { e2eEmb: ["--cache-dir", dirs.e2eStore], e2eProxy: ["--remote", `unix:${sockets.straight}`] };
  const viaTool = (id, extra = []) => timed(process.execPath, [...e2eArgs(e2eBackends[id]), ...extra, "--", ...compile]);

  // Store the action (straight to casd, and in each embedded store), then check every path hits.
  await viaSocket(sockets.straight, { RECC_CACHE_UPLOAD_LOCAL_BUILD: "1" });
  await viaSocket(sockets.emb, { RECC_CACHE_UPLOAD_LOCAL_BUILD: "1" });
  for (const id of Object.keys(e2eBackends)) await viaTool(id, ["--action-cache-enable-update"]);
  for (const socket of [sockets.straight, sockets.emb, sockets.proxy]) {
    const check = await viaSocket(socket, { RECC_VERBOSE: "1" });
    if (!HIT.test(check.stderr)) throw new Error(`recc did not hit through ${socket}:\n${check.stderr.slice(-2000)}`);
  }
  for (const id of Object.keys(e2eBackends)) {
    const check = await viaTool(id, ["--setenv", "RECC_VERBOSE=1"]);
    if (!HIT.test(check.stderr)) throw new Error(`recc did not hit through bst-cas-run (${id}):\n${check.stderr.slice(-2000)}`);
  }

  const served = await interleave("recc hit (warm servers)", [
    ...["emb", "proxy", "straight"].map((id) => ({ id, run: async () => ({ time: await timedWithCpu(pids[id], () => viaSocket(sockets[id])) }) })),
  ], scale.reccRuns, 2);
  const endToEnd = await interleave("recc hit (end to end)", [
    { id: "e2eEmb", run: async () => ({ time: (await viaTool("e2eEmb")).seconds }) },
    { id: "e2eProxy", run: async () => ({ time: (await viaTool("e2eProxy")).seconds }) },
    { id: "straight", run: async () => ({ time: (await viaSocket(sockets.straight)).seconds }) },
  ], scale.reccEndToEndRuns, 1);
  results.raw.recc = { served, endToEnd };
  const s = Object.fromEntries(Object.entries(served.times).map(([id, { time }]) => [id, summarize(time)]));
  const e = Object.fromEntries(Object.entries(endToEnd.times).map(([id, { time }]) => [id, summarize(time)]));
  results.sections.push({
    id: "recc",
    title: "recc cache hit (`recc gcc -c hello.c -o hello.o`, every run a hit)",
    commands: [
      "bwrap <shape> recc gcc -c hello.c -o hello.o, the socket of `bst-cas-run serve --cache-dir STORE` (embedded) bound at /run/reapi.sock",
      "the same with `bst-cas-run serve --remote unix:casd.sock` (proxied to buildbox-casd)",
      "the same with buildbox-casd's own socket (straight)",
      `end to end: bst-cas-run --cache-dir STORE | --remote unix:casd.sock --root ROOT --bind DIR:/src --chdir /src --clearenv -- recc gcc -c hello.c -o hello.o (server start and stop included)`,
    ],
    lines: [
      ...detailLines(served, { emb: "hit via warm `serve`, embedded store", proxy: "hit via warm `serve --remote` to casd", straight: "hit straight to casd" }),
      ...detailLines(endToEnd, { e2eEmb: "`bst-cas-run -- recc` end to end, embedded", e2eProxy: "`bst-cas-run --remote -- recc` end to end, to casd", straight: "hit straight to casd (same rounds)" }),
    ],
  });
  row(results, {
    id: "recc-embedded",
    figure: "recc cache hit through the socket, embedded store (warm `serve`)",
    value: seconds(s.emb.median),
    anchor: `straight to casd ${seconds(s.straight.median)}`,
    ...pairedComparison(served.times.emb.time, served.times.straight.time),
    cpu: cpuCompare(served.cpu, "emb", "straight", "time"),
    goal: { better: "lower", limit: 1.0 },
  });
  row(results, {
    id: "recc-proxied",
    figure: "recc cache hit through the socket, proxied to casd (warm `serve --remote`)",
    value: seconds(s.proxy.median),
    anchor: `straight to casd ${seconds(s.straight.median)}`,
    ...pairedComparison(served.times.proxy.time, served.times.straight.time),
    cpu: cpuCompare(served.cpu, "proxy", "straight", "time"),
    goal: { better: "lower", limit: 1.1 },
  });
  row(results, {
    id: "recc-e2e-embedded",
    figure: "recc cache hit, end to end `bst-cas-run -- recc …`, embedded (includes row 1's fixed cost)",
    value: seconds(e.e2eEmb.median),
    anchor: `straight to casd ${seconds(e.straight.median)}`,
    ...pairedComparison(endToEnd.times.e2eEmb.time, endToEnd.times.straight.time),
    goal: { better: "lower", limit: 1.0 },
  });
  row(results, {
    id: "recc-e2e-proxied",
    figure: "recc cache hit, end to end `bst-cas-run --remote unix:casd.sock -- recc …` (includes row 1's fixed cost)",
    value: seconds(e.e2eProxy.median),
    anchor: `straight to casd ${seconds(e.straight.median)}`,
    ...pairedComparison(endToEnd.times.e2eProxy.time, endToEnd.times.straight.time),
    goal: { better: "lower", limit: 1.1 },
  });
}

// Rows 4-5: one big blob up (casupload) and down (casdownload), fresh content every run.
async function transfers({ root, sockets, dirs, results, pids }) {
  const bytes = scale.bigBytes;
  const ids = ["emb", "proxy", "straight", "relay", "nodeRelay"];
  const transfer = async (id, seed, verify) => {
    const file = join(dirs.src, "big.bin");
    const digest = await writeRandomFile(file, verify ? Math.min(bytes, 32 * 1024 * 1024) : bytes, seed);
    await sync();
    const up = await timedWithCpu(pids[id], () => timedInSandbox(root, dirs.src, sockets[id], ["casupload", `--remote=unix:${SANDBOX_SOCKET}`, "big.bin"]));
    const destination = verify ? "/src/out" : "/tmp/out";
    const down = await timedWithCpu(pids[id], () =>
      timedInSandbox(root, dirs.src, sockets[id], ["casdownload", `--remote=unix:${SANDBOX_SOCKET}`, `--destination-dir=${destination}`, `--file-digest=${digest}`]),
    );
    if (verify) {
      const copy = await sha256File(join(dirs.src, "out", "blob"));
      if (copy !== digest.split("/")[0]) throw new Error(`${id}: the downloaded blob differs from the uploaded one`);
      await rm(join(dirs.src, "out"), { recursive: true, force: true });
    }
    await rm(file, { force: true });
    return { upload: up, download: down };
  };
  const measured = await interleave(`${size(bytes)} up and down`, ids.map((id) => ({
    id,
    run: (round, warmup) => transfer(id, `${runId} big ${id} ${round}`, warmup),
  })), scale.bigRuns, 1);
  results.raw.transfer = measured;
  const samples = measured.times;
  const median = (id, name) => summarize(samples[id][name]).median;
  results.sections.push({
    id: "transfer",
    title: `${size(bytes)} blob: casupload, then casdownload (fresh content every run)`,
    commands: [
      `bwrap <shape> casupload --remote=unix:/run/reapi.sock big.bin (the file in a tmpfs bound at /src)`,
      `bwrap <shape> casdownload --remote=unix:/run/reapi.sock --destination-dir=/tmp/out --file-digest=HASH/SIZE (/tmp is the sandbox's tmpfs)`,
      "with /run/reapi.sock: warm `serve` embedded, warm `serve --remote` to casd, casd straight, `socat -b 131072 UNIX-LISTEN:relay.sock,fork UNIX-CONNECT:casd.sock`, and `node bench/lib/node-byte-relay.mjs node-relay.sock casd.sock` (each connection piped to casd, both ways, with nothing parsed)",
      "`sync` (untimed) before each upload; each download reads the blob its upload just stored",
      "server CPU: mean user + system seconds per run of the processes named (10 ms ticks)",
    ],
    lines: detailLines(measured, {
      emb: { upload: "upload, embedded (`serve`)", download: "download, embedded (`serve`)" },
      proxy: { upload: "upload, proxied (`serve --remote`)", download: "download, proxied (`serve --remote`)" },
      straight: { upload: "upload, straight to casd", download: "download, straight to casd" },
      relay: { upload: "upload, via socat relay to casd", download: "download, via socat relay to casd" },
      nodeRelay: { upload: "upload, via the plain Node relay to casd", download: "download, via the plain Node relay to casd" },
    }, bytes),
  });
  const tput = (id, name) => throughput(bytes, median(id, name));
  for (const name of ["upload", "download"]) {
    row(results, {
      id: `${name}-embedded`,
      figure: `${size(bytes)} ${name}, embedded store`,
      value: tput("emb", name),
      anchor: `straight to casd ${tput("straight", name)}`,
      ratioNote: "throughput ratio",
      ...pairedComparison(samples.straight[name], samples.emb[name]),
      cpu: cpuCompare(measured.cpu, "emb", "straight", name),
      goal: { better: "higher", limit: 1.0 },
    });
    row(results, {
      id: `${name}-proxied`,
      figure: `${size(bytes)} ${name}, proxied to casd`,
      value: tput("proxy", name),
      anchor: `straight to casd ${tput("straight", name)}`,
      ratioNote: "throughput ratio",
      ...pairedComparison(samples.straight[name], samples.proxy[name]),
      cpu: cpuCompare(measured.cpu, "proxy", "straight", name),
      goal: { better: "higher", limit: 0.85 },
    });
    row(results, {
      id: `${name}-proxied-relay`,
      figure: `${size(bytes)} ${name}, proxied to casd, against a byte relay`,
      value: tput("proxy", name),
      anchor: `socat relay to casd ${tput("relay", name)}`,
      ratioNote: "throughput ratio",
      ...pairedComparison(samples.relay[name], samples.proxy[name]),
      cpu: cpuCompare(measured.cpu, "proxy", "relay", name),
      goal: { better: "higher", limit: 0.9 },
    });
    // What Node's own socket I/O allows a proxy: the relay that parses nothing, beside socat.
    row(results, {
      id: `${name}-proxied-node-relay`,
      figure: `${size(bytes)} ${name}, proxied to casd, against a plain Node byte relay`,
      value: tput("proxy", name),
      anchor: `Node relay to casd ${tput("nodeRelay", name)} (${ratio(median("relay", name) / median("nodeRelay", name))} socat's ${tput("relay", name)})`,
      ratioNote: "throughput ratio",
      ...pairedComparison(samples.nodeRelay[name], samples.proxy[name]),
      cpu: cpuCompare(measured.cpu, "proxy", "nodeRelay", name),
      reference: true,
    });
  }
}

// Row 6: many small blobs (casupload of a tree), fresh content every run; stores warmed first.
async function smallBlobs({ root, sockets, dirs, results, pids }) {
  const count = scale.treeFiles;
  const warm = {};
  for (const id of ["emb", "straight"]) {
    const top = join(dirs.src, "warmup");
    await writeRandomTree(top, scale.warmupBlobs, scale.treeFileBytes, `${runId} warmup ${id}`);
    await sync();
    warm[id] = (await timedInSandbox(root, dirs.src, sockets[id], ["casupload", `--remote=unix:${SANDBOX_SOCKET}`, "warmup"])).seconds;
    await rm(top, { recursive: true, force: true });
  }
  const upload = async (id, seed) => {
    const top = join(dirs.src, "tree");
    await writeRandomTree(top, count, scale.treeFileBytes, seed);
    await sync();
    const casupload = () => timedInSandbox(root, dirs.src, sockets[id], ["casupload", `--remote=unix:${SANDBOX_SOCKET}`, "tree"]);
    const fresh = await timedWithCpu(pids[id], casupload);
    await sync();
    const present = await timedWithCpu(pids[id], casupload);
    await rm(top, { recursive: true, force: true });
    return { fresh, present };
  };
  const measured = await interleave(`${count} small blobs`, ["emb", "proxy", "straight"].map((id) => ({
    id,
    run: (round) => upload(id, `${runId} tree ${id} ${round}`),
  })), scale.treeRuns, 1);
  results.raw.tree = { ...measured, warm };
  const samples = measured.times;
  const median = (id, name) => summarize(samples[id][name]).median;
  results.sections.push({
    id: "tree",
    title: `${count} blobs of ${size(scale.treeFileBytes)}: casupload of a tree (directories of up to 100 files)`,
    commands: [
      "bwrap <shape> casupload --remote=unix:/run/reapi.sock tree (fresh content; then the same tree again: all present)",
      `stores warmed first with ${scale.warmupBlobs} blobs each: embedded ${seconds(warm.emb)}, casd ${seconds(warm.straight)} (brand-new stores)`,
    ],
    lines: detailLines(measured, {
      emb: { fresh: "new blobs, embedded (`serve`)", present: "all present, embedded" },
      proxy: { fresh: "new blobs, proxied (`serve --remote`)", present: "all present, proxied" },
      straight: { fresh: "new blobs, straight to casd", present: "all present, straight to casd" },
    }),
  });
  for (const [id, limit, label] of [["emb", 1.0, "embedded"], ["proxy", 1.2, "proxied to casd"]]) {
    row(results, {
      id: `tree-${id === "emb" ? "embedded" : "proxied"}`,
      figure: `${count} blobs of ${size(scale.treeFileBytes)} uploaded, ${label}`,
      value: seconds(median(id, "fresh")),
      anchor: `straight to casd ${seconds(median("straight", "fresh"))}`,
      ...pairedComparison(samples[id].fresh, samples.straight.fresh),
      cpu: cpuCompare(measured.cpu, id, "straight", "fresh"),
      goal: { better: "lower", limit },
    });
    row(results, {
      id: `tree-${id === "emb" ? "embedded" : "proxied"}-present`,
      figure: `${count} blobs re-uploaded (all present), ${label}`,
      value: seconds(median(id, "present")),
      anchor: `straight to casd ${seconds(median("straight", "present"))}`,
      ...pairedComparison(samples[id].present, samples.straight.present),
      cpu: cpuCompare(measured.cpu, id, "straight", "present"),
    });
  }
}

// Row 7: the server's peak RSS while a huge blob streams in and out (a fresh serve process).
async function peakRss({ root, dirs, results, services }) {
  const bytes = scale.rssBytes;
  const sock = join(dirs.src, "..", "rss-sock");
  await mkdir(sock, { recursive: true });
  const measures = {};
  const casdCache = join(dirs.casdCache, "..", "rss-casd-cache");
  await mkdir(casdCache, { recursive: true });
  const casd = await services.startCasd(root, sock, casdCache);
  try {
    for (const [id, args] of [["emb", ["--cache-dir", join(dirs.embStore, "..", "rss-store")]], ["proxy", ["--remote", `unix:${join(sock, "casd.sock")}`]]]) {
      const socket = join(sock, `${id}.sock`);
      const serve = await services.startServe(BIN, socket, args);
      const pid = serve.child.pid;
      const idle = await memoryOf(pid);
      const file = join(dirs.src, "huge.bin");
      const digest = await writeRandomFile(file, bytes, `${runId} rss ${id}`);
      await sync();
      const up = await timedInSandbox(root, dirs.src, socket, ["casupload", `--remote=unix:${SANDBOX_SOCKET}`, "huge.bin"]);
      await rm(file, { force: true });
      const afterUpload = await memoryOf(pid);
      const down = await timedInSandbox(root, dirs.src, socket, ["casdownload", `--remote=unix:${SANDBOX_SOCKET}`, "--destination-dir=/tmp/out", `--file-digest=${digest}`]);
      const afterDownload = await memoryOf(pid);
      await services.stop(serve);
      measures[id] = { idle, afterUpload, afterDownload, upload: up.seconds, download: down.seconds };
    }
    measures.casd = await memoryOf(casd.pid);
  } finally {
    await services.stop(casd);
  }
  results.raw.rss = measures;
  const MiB = 1024 * 1024;
  const mib = (value) => `${(value / MiB).toFixed(1)} MiB`;
  results.sections.push({
    id: "rss",
    title: `Server memory while a ${size(bytes)} blob streams in and out`,
    commands: [
      "a fresh `bst-cas-run serve --socket S` process (embedded store, then `--remote unix:casd.sock`), VmHWM and VmRSS from /proc/PID/status",
      `bwrap <shape> casupload huge.bin, then casdownload --file-digest=… --destination-dir=/tmp/out`,
    ],
    table: {
      head: ["server", "VmRSS idle", "VmHWM after upload", "VmHWM after download", "VmRSS at end", "upload", "download"],
      rows: Object.entries(measures).filter(([id]) => id !== "casd").map(([id, m]) => [
        id === "emb" ? "`serve`, embedded" : "`serve --remote`, proxied to casd",
        mib(m.idle.rss), mib(m.afterUpload.hwm), mib(m.afterDownload.hwm), mib(m.afterDownload.rss),
        `${seconds(m.upload)} (${throughput(bytes, m.upload)})`, `${seconds(m.download)} (${throughput(bytes, m.download)})`,
      ]).concat([["buildbox-casd behind the proxy (for scale)", "—", "—", mib(measures.casd.hwm), mib(measures.casd.rss), "—", "—"]]),
    },
  });
  row(results, {
    id: "rss-embedded",
    figure: `server peak RSS streaming a ${size(bytes)} blob, embedded`,
    value: mib(measures.emb.afterDownload.hwm),
    anchor: "—",
    ratio: measures.emb.afterDownload.hwm / (150 * MiB),
    ratioNote: "of 150 MiB",
    goal: { better: "lower", limit: 1.0 },
  });
  row(results, {
    id: "rss-proxied",
    figure: `server peak RSS streaming a ${size(bytes)} blob, proxied to casd`,
    value: mib(measures.proxy.afterDownload.hwm),
    anchor: "—",
    ratio: measures.proxy.afterDownload.hwm / (150 * MiB),
    ratioNote: "of 150 MiB",
  });
}

main().catch((error) => {
  process.stderr.write(`bench: failed: ${error.stack ?? error}\n`);
  process.exitCode = 1;
});

