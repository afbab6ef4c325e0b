// Tests for src/run/run.ts through the built CLI: signals while the server starts or the run tears down.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { execa } from "execa";
import t, { type Test } from "tap";
import { startTool } from "../helpers/run-tool.js";
import { silentUpstream } from "../helpers/silent-upstream.js";

/** A runtime dir for the private directory, a working dir, a FIFO, and an environment without tap's NODE_OPTIONS. */
async function fresh(t: Test) {
  const dir = t.testdir({ cache: {}, work: {} });
  const runtime = mkdtempSync("/tmp/bcr-test-");
  t.teardown(() => rmSync(runtime, { recursive: true, force: true }));
  const fifo = join(dir, "fifo");
  await execa("mkfifo", [fifo]);
  const { NODE_OPTIONS: _nodeOptions, ...inherited } = process.env;
  return { runtime, fifo, cwd: join(dir, "work"), env: { ...inherited, XDG_RUNTIME_DIR: runtime, BST_CAS_RUN_CACHE_DIR: join(dir, "cache") } };
}

/** Reads the FIFO to its end in a child process (opening it blocks until the tool opens it; killed at teardown if it never does). */
function drain(t: Test, fifo: string) {
  const reader = execa("cat", [fifo], { reject: false });
  t.teardown(() => {
    reader.kill("SIGKILL");
  });
  return reader;
}

/** Waits for `child` to end, killing it after `timeoutMs`: a test of the old code fails instead of hanging. */
async function endWithin(child: ReturnType<typeof startTool>, timeoutMs: number) {
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  try {
    return await child;
  } finally {
    clearTimeout(timer);
  }
}

/** Polls until `predicate` holds or `timeoutMs` passes. */
async function waitFor(predicate: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  for (const end = Date.now() + timeoutMs; Date.now() < end; await sleep(50)) {
    if (await predicate()) return true;
  }
  return false;
}

/** A run a signal stopped before its command (`touch ran`): 128+N, quietly, and nothing left behind. */
async function assertStoppedBeforeCommand(t: Test, result: Awaited<ReturnType<typeof startTool>>, status: number, dirs: { cwd: string; runtime: string }) {
  t.equal(result.signal, undefined, "not ended by the signal's default action");
  t.equal(result.exitCode, status, "128+N");
  t.equal(result.stderr, "", "nothing to report");
  t.notOk(existsSync(join(dirs.cwd, "ran")), "the command was not started");
  t.same(await readdir(dirs.runtime), [], "no private directory remains");
}

t.test("SIGTERM while the server starts: held, no command, 143, the private directory removed", async (t) => {
  const { runtime, fifo, cwd, env } = await fresh(t);
  // The call log is opened while the server starts, and opening a FIFO waits for a reader: startup holds there.
  const child = startTool(["--log-file", fifo, "--", "touch", "ran"], { env, cwd });
  t.ok(await waitFor(async () => (await readdir(runtime)).length > 0, 10_000), "the private directory appears");
  await sleep(300);
  child.kill("SIGTERM");
  await sleep(200);
  drain(t, fifo);
  await assertStoppedBeforeCommand(t, await endWithin(child, 10_000), 143, { cwd, runtime });
});

t.test("SIGINT while an upstream keeps the run waiting: the wait ends at once, 130, no command", async (t) => {
  const { runtime, cwd, env } = await fresh(t);
  const upstream = await silentUpstream(t, "unix");
  const child = startTool(["--remote", `unix:${upstream.path}`, "--connect-timeout", "60", "--", "touch", "ran"], { env, cwd });
  t.ok(await waitFor(async () => upstream.accepted() > 0, 10_000), "the run is connecting to the upstream");
  const sent = Date.now();
  child.kill("SIGINT");
  const result = await endWithin(child, 20_000);
  t.ok(Date.now() - sent < 10_000, `ended ${Date.now() - sent} ms after the signal, not at the 60 s connect timeout`);
  await assertStoppedBeforeCommand(t, result, 130, { cwd, runtime });
});

t.test("SIGINT while the run tears down: held, 130, the private directory removed, the statistics written", async (t) => {
  const { runtime, fifo, cwd, env } = await fresh(t);
  // The statistics are written while the server closes, and opening a FIFO waits for a reader: teardown holds there.
  const child = startTool(["--stats-json", fifo, "--", "echo", "done"], { env, cwd });
  await new Promise<void>((resolve) => child.stdout?.once("data", () => resolve()));
  await sleep(500);
  t.not((await readdir(runtime)).length, 0, "the run is still tearing down");
  child.kill("SIGINT");
  await sleep(200);
  const stats = drain(t, fifo);
  const result = await endWithin(child, 10_000);
  t.equal(result.signal, undefined, "not ended by the signal's default action");
  t.equal(result.exitCode, 130, "128+SIGINT");
  const written = await Promise.race([stats.then((reader) => String(reader.stdout)), sleep(2000).then(() => "")]);
  t.doesNotThrow(() => JSON.parse(written), "the statistics were written in full");
  t.same(await readdir(runtime), [], "no private directory remains");
});
