// End to end on the embedded store: the built CLI, real bwrap, a real gRPC client in the sandbox.
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import t, { type Test } from "tap";
import { runReporting } from "../helpers/module-report.js";
import { processesMentioning, REPO_ROOT, runClient, runTool, startTool } from "../helpers/run-tool.js";

/**
 * A fresh runtime dir (where the private socket dir goes; short, as socket paths must be),
 * cache dir, working dir and environment.
 */
function freshRun(t: Test) {
  const dir = t.testdir({ cache: {}, work: { "data.txt": "not a program\n", "bad-interp": "#!/nonexistent/interp\n" } });
  chmodSync(join(dir, "work", "bad-interp"), 0o755);
  const runtime = mkdtempSync("/tmp/bcr-test-");
  t.teardown(() => rmSync(runtime, { recursive: true, force: true }));
  // tap's NODE_OPTIONS would make node inside the read-only sandbox write coverage files.
  const { NODE_OPTIONS: _nodeOptions, ...inherited } = process.env;
  const env = { ...inherited, XDG_RUNTIME_DIR: runtime, XDG_CACHE_HOME: join(dir, "cache") };
  return { dir, runtime, env, cwd: join(dir, "work") };
}

/** Asserts that a run left nothing behind: no private dir, socket or process. */
async function assertCleanedUp(t: Test, runtime: string): Promise<void> {
  t.same(await readdir(runtime), [], "no private directory or socket remains");
  t.same(await processesMentioning(runtime), [], "no process of the run remains");
}

t.test("the socket is in the sandbox and RECC_SERVER names it", async (t) => {
  const { runtime, env } = freshRun(t);
  const result = await runTool(["--", "sh", "-c", 'test -S /run/reapi.sock && echo "$RECC_SERVER"'], { env, cwd: REPO_ROOT });
  t.equal(result.stdout, "unix:/run/reapi.sock");
  t.equal(result.exitCode, 0);
  await assertCleanedUp(t, runtime);
});

t.test("exit statuses", async (t) => {
  const cases: Array<{ name: string; options?: string[]; command: string[]; status: number; stderr: string }> = [
    { name: "the command's status", command: ["sh", "-c", "exit 7"], status: 7, stderr: "" },
    { name: "128+N for signal N", command: ["sh", "-c", "kill -TERM $$"], status: 143, stderr: "" },
    { name: "127 for a missing command", command: ["/nonexistent"], status: 127, stderr: "bst-cas-run: /nonexistent: no such file or directory" },
    { name: "127 for a command not on PATH", command: ["no-such-command-here"], status: 127, stderr: "bst-cas-run: no-such-command-here: command not found" },
    { name: "126 for a file that is not executable", command: ["./data.txt"], status: 126, stderr: "bst-cas-run: ./data.txt: permission denied" },
    { name: "126 for a script whose interpreter is missing", command: ["./bad-interp"], status: 126, stderr: "bst-cas-run: ./bad-interp: bad interpreter /nonexistent/interp: no such file or directory" },
    { name: "bwrap comes from the tool's PATH, not the command's", options: ["--setenv", "PATH=/nonexistent"], command: ["/bin/sh", "-c", "exit 5"], status: 5, stderr: "" },
  ];
  for (const c of cases) {
    await t.test(c.name, async (t) => {
      const { runtime, env, cwd } = freshRun(t);
      const result = await runTool([...(c.options ?? []), "--", ...c.command], { env, cwd });
      t.equal(result.exitCode, c.status);
      t.equal(result.stderr, c.stderr, "stderr is one line, or nothing");
      await assertCleanedUp(t, runtime);
    });
  }
});

t.test("a forwarded SIGTERM reaches the command, and its status comes back", async (t) => {
  const { runtime, env, cwd } = freshRun(t);
  const script = 'trap "echo caught TERM; exit 42" TERM; echo ready; while :; do sleep 0.1; done';
  const child = startTool(["--", "sh", "-c", script], { env, cwd });
  await new Promise<void>((resolve) => child.stdout?.once("data", () => resolve()));
  child.kill("SIGTERM");
  const result = await child;
  t.equal(result.exitCode, 42);
  t.match(String(result.stdout), /caught TERM/);
  await assertCleanedUp(t, runtime);
});

t.test("the gRPC client sees a filtered, working REAPI", async (t) => {
  const { runtime, env, cwd } = freshRun(t);

  await t.test("capabilities: no execution, no AC updates by default", async (t) => {
    const { answer } = await runClient([], ["capabilities"], { env, cwd });
    t.match(answer, {
      ok: true,
      response: {
        cache_capabilities: {
          digest_functions: ["SHA256"],
          action_cache_update_capabilities: { update_enabled: false },
          max_batch_total_size_bytes: "4128768",
        },
        execution_capabilities: { exec_enabled: false },
      },
    });
  });

  await t.test("capabilities say updates are on with --action-cache-enable-update", async (t) => {
    const { answer } = await runClient(["--action-cache-enable-update"], ["capabilities"], { env, cwd });
    t.match(answer, { ok: true, response: { cache_capabilities: { action_cache_update_capabilities: { update_enabled: true } } } });
  });

  await t.test("a 64 MiB ByteStream blob and batched small blobs go in and come out identical", async (t) => {
    const { answer, result } = await runClient([], ["blobs-roundtrip"], { env: { ...env, TEST_SEED: "e2e" }, cwd });
    t.equal(result.exitCode, 0, String(result.stderr));
    t.match(answer, {
      missingBefore: 4,
      write: String(64 * 1024 * 1024),
      batchCodes: [0, 0, 0],
      missingAfter: 0,
      bigReadMatches: true,
      smallReadMatch: true,
    });
  });

  const action = "a".repeat(64);
  await t.test("GetActionResult misses with NOT_FOUND", async (t) => {
    const { answer } = await runClient([], ["ac-get", action], { env, cwd });
    t.match(answer, { ok: false, code: "NOT_FOUND" });
  });

  await t.test("UpdateActionResult is refused by default", async (t) => {
    const { answer } = await runClient([], ["ac-update", action], { env, cwd });
    t.match(answer, { ok: false, code: "PERMISSION_DENIED", message: /UpdateActionResult.*--action-cache-enable-update/ });
  });

  await t.test("with the flag it is stored, and a later run finds it", async (t) => {
    const update = await runClient(["--action-cache-enable-update"], ["ac-update", action], { env, cwd });
    t.match(update.answer, { upload: true, ok: true, response: { exit_code: 3 } });
    const get = await runClient([], ["ac-get", action], { env, cwd });
    t.match(get.answer, { ok: true, response: { exit_code: 3 } });
  });

  await t.test("execution, operations, remote asset and LocalCAS are refused", async (t) => {
    const { answer } = await runClient([], ["refused"], { env, cwd });
    t.match(answer, {
      Execute: "PERMISSION_DENIED",
      "Execute.message": /Execution\/Execute/,
      WaitExecution: "PERMISSION_DENIED",
      GetOperation: "PERMISSION_DENIED",
      FetchBlob: "PERMISSION_DENIED",
      "FetchBlob.message": /Fetch\/FetchBlob/,
      PushBlob: "PERMISSION_DENIED",
      StageTree: "PERMISSION_DENIED",
      CaptureTree: "PERMISSION_DENIED",
      GetInstanceNameForRemotes: "PERMISSION_DENIED",
      "GetInstanceNameForRemotes.message": /GetInstanceNameForRemotes/,
      Unknown: "UNIMPLEMENTED",
      "Unknown.message": /some\.other\.Service\/Method/,
    });
  });

  await t.test("bad digests and mismatched data are INVALID_ARGUMENT and store nothing", async (t) => {
    const before = await listTree(join(env.XDG_CACHE_HOME, ".."));
    const { answer } = await runClient([], ["bad-digests"], { env, cwd });
    const invalidEverywhere = { find: "INVALID_ARGUMENT", upload: 3, read: "INVALID_ARGUMENT" };
    t.match(answer, {
      batchMismatch: 3,
      streamMismatch: "INVALID_ARGUMENT",
      mismatchStored: false,
      traversal: invalidEverywhere,
      upper: invalidEverywhere,
      short: invalidEverywhere,
    });
    const after = await listTree(join(env.XDG_CACHE_HOME, ".."));
    t.same(after, before, "no file was created or removed anywhere around the store");
  });

  await assertCleanedUp(t, runtime);
});

/** Every path below `dir`, sorted. */
async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.map(String).sort();
}

t.test("the embedded store's server loads while a command runs, before any client connects", async (t) => {
  const { runtime, env, cwd } = freshRun(t);
  const run = await runReporting(["--sandbox", "none", "--", "sleep", "0.5"], cwd, env);
  t.equal(run.exitCode, 0, run.stderr);
  // The server (and so node:http2) was loaded though nothing connected: a client would have found it ready.
  t.equal(run.http2Loaded, true);
  await assertCleanedUp(t, runtime);
});
