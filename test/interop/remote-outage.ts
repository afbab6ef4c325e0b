// The upstream (buildbox-casd) dies mid-run: the sandboxed client sees UNAVAILABLE, the tool lives, and a restart restores service.
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import t, { type Test } from "tap";
import { startCasd, type Casd } from "../helpers/casd.js";
import { REAPI_CLIENT, REPO_ROOT, startTool } from "../helpers/run-tool.js";

const WAIT_TIMEOUT_MS = 60_000;
/** How the client's three calls answer while the upstream is up. */
const SERVED = { find: "OK 0 missing", batchRead: [0], read: "OK", messages: [] };
const CAS = "build.bazel.remote.execution.v2.ContentAddressableStorage";

/** Runs a fixture scenario in the sandbox with casd as the upstream, for the test to steer through files. */
function startScenario(t: Test, casd: Casd, scenario: string) {
  const dir = t.testdir({ work: {} });
  const work = join(dir, "work");
  const statsPath = join(dir, "stats.json");
  const binds = ["test/fixtures", "proto", "node_modules"].flatMap((sub) => ["--ro-bind", join(REPO_ROOT, sub)]);
  const run = startTool(
    [...binds, "--remote", `unix:${casd.socketPath}`, "--stats-json", statsPath, "--", process.execPath, REAPI_CLIENT, scenario],
    { cwd: work },
  );
  const alive = () => run.exitCode === null && run.signalCode === null;
  /** Waits for the client to write `name`; throws if the run ends first. */
  const waitFor = async (name: string) => {
    const deadline = Date.now() + WAIT_TIMEOUT_MS;
    while (!existsSync(join(work, name))) {
      if (!alive()) throw new Error(`the run ended before writing ${name}: ${(await run).stderr}`);
      if (Date.now() > deadline) throw new Error(`no ${name} within ${WAIT_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const signal = (name: string) => writeFile(join(work, name), "");
  /** The run's end: its result, the client's JSON answer, and our server's statistics. */
  const finish = async () => {
    const result = await run;
    const answer = JSON.parse(String(result.stdout).trim().split("\n").pop() || "null");
    const stats = existsSync(statsPath) ? JSON.parse(await readFile(statsPath, "utf8")) : undefined;
    return { result, answer, stats };
  };
  return { alive, waitFor, signal, finish };
}

for (const [how, signal] of [["killed with SIGKILL (socket left behind)", "SIGKILL"], ["stopped with SIGTERM (socket removed)", "SIGTERM"]] as const) {
  t.test(`casd ${how}, then restarted on the same socket`, async (t) => {
    const casd = await startCasd(t);
    const run = startScenario(t, casd, "outage");
    await run.waitFor("ready");
    await casd.stop(signal);
    await run.signal("killed");
    await run.waitFor("probed");
    t.ok(run.alive(), "the tool is still running with its upstream gone");
    await casd.restart();
    await run.signal("restarted");
    const { result, answer, stats } = await run.finish();

    t.equal(result.exitCode, 0, `the client finished: ${result.stderr}`);
    t.notMatch(result.stderr, /\n\s+at |uncaught|unhandled/i, "no crash report on stderr");
    t.match(answer, { before: { upload: 0, ...SERVED } }, "served before the outage");
    t.match(answer, { during: { find: "UNAVAILABLE", batchRead: "UNAVAILABLE", read: "UNAVAILABLE" } }, `UNAVAILABLE during it: ${JSON.stringify(answer?.during)}`);
    // FindMissingBlobs and BatchReadBlobs are retried with backoff (at least 350 ms each) before UNAVAILABLE.
    t.ok(answer?.during?.ms >= 600, `the tool retried before giving up (${answer?.during?.ms} ms)`);
    t.ok(answer?.during?.ms < 15_000, "and gave up in reasonable time");
    t.match(answer, { after: SERVED }, "served again after the restart, within the same run");

    // What reached casd: the calls after the restart went to the new process.
    const lives = (await casd.log()).split(/Starting buildbox-casd/);
    t.equal(lives.length, 3, "casd started twice");
    for (const method of ["FindMissingBlobs", "BatchReadBlobs", "Read"]) {
      t.match(lives[2], new RegExp(`\\b${method} request from`), `the restarted casd served ${method}`);
    }
    t.match(stats?.methods, {
      [`${CAS}/FindMissingBlobs`]: { calls: 3, errors: { UNAVAILABLE: 1 } },
      [`${CAS}/BatchReadBlobs`]: { calls: 3, errors: { UNAVAILABLE: 1 } },
      "google.bytestream.ByteStream/Read": { calls: 3, errors: { UNAVAILABLE: 1 } },
    }, "our server counted one UNAVAILABLE per method");
  });
}

t.test("casd killed during a ByteStream read: the stream ends UNAVAILABLE, not short or OK", async (t) => {
  const casd = await startCasd(t);
  const run = startScenario(t, casd, "outage-read");
  await run.waitFor("reading");
  t.match(await casd.log(), /\bRead request from /, "the read is open at casd");
  await casd.stop("SIGKILL");
  await run.signal("killed");
  const { result, answer, stats } = await run.finish();

  t.equal(result.exitCode, 0, `the client finished: ${result.stderr}`);
  t.notMatch(result.stderr, /\n\s+at |uncaught|unhandled/i, "no crash report on stderr");
  t.match(answer, { write: String(128 * 1024 * 1024), read: "UNAVAILABLE" }, `the read failed as UNAVAILABLE: ${answer?.message}`);
  t.ok(answer?.readBytes < answer?.blobBytes, `part of the blob came before the error (${answer?.readBytes} of ${answer?.blobBytes} bytes)`);
  t.match(stats?.methods, { "google.bytestream.ByteStream/Read": { calls: 1, errors: { UNAVAILABLE: 1 } } });
});
