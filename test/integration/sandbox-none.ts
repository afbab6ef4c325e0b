// --sandbox none with real child processes: the command's own children do not outlive the run.
import { mkdtempSync, rmSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import t, { type Test } from "tap";
import { startTool } from "../helpers/run-tool.js";

/** A runtime dir for the private directory and an environment without tap's NODE_OPTIONS. */
function fresh(t: Test) {
  const dir = t.testdir({ cache: {} });
  const runtime = mkdtempSync("/tmp/bcr-test-");
  t.teardown(() => rmSync(runtime, { recursive: true, force: true }));
  const { NODE_OPTIONS: _nodeOptions, ...inherited } = process.env;
  return { runtime, cwd: dir, env: { ...inherited, XDG_RUNTIME_DIR: runtime, BST_CAS_RUN_CACHE_DIR: join(dir, "cache") } };
}

/** Pids of the processes of group `pgid` that still run (zombies left to a pid 1 that does not reap are not counted). */
async function runningInGroup(pgid: number): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^[0-9]+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) === pgid && fields[0] !== "Z") found.push(Number(entry));
  }
  return found;
}

/** Kills what a failing test leaves behind. */
function killGroupAtTeardown(t: Test, pgid: number): void {
  t.teardown(() => {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // Already gone: the test passed.
    }
  });
}

t.test("a background child of a command that exits is ended with the run", async (t) => {
  const { runtime, cwd, env } = fresh(t);
  const result = await startTool(["--sandbox", "none", "--", "sh", "-c", "sleep 1000 & echo $$; exit 3"], { env, cwd });
  const pgid = Number(result.stdout);
  killGroupAtTeardown(t, pgid);
  t.equal(result.exitCode, 3, result.stderr);
  t.same(await runningInGroup(pgid), [], "no process of the command's group runs");
  t.same(await readdir(runtime), [], "no private directory remains");
});

t.test("a child that ignores SIGTERM is killed after the grace period", async (t) => {
  const { cwd, env } = fresh(t);
  const started = Date.now();
  const result = await startTool(["--sandbox", "none", "--", "sh", "-c", "(trap '' TERM; exec sleep 1000) & echo $$"], { env, cwd });
  const pgid = Number(result.stdout);
  killGroupAtTeardown(t, pgid);
  t.equal(result.exitCode, 0, result.stderr);
  t.ok(Date.now() - started < 10_000, "the run ended");
  t.same(await runningInGroup(pgid), [], "no process of the command's group runs");
});

t.test("a signalled run passes the signal to the whole group and leaves nothing", async (t) => {
  const { runtime, cwd, env } = fresh(t);
  const child = startTool(["--sandbox", "none", "--", "sh", "-c", "sleep 1000 & echo $$; wait"], { env, cwd });
  const pgid = await new Promise<number>((resolve) => child.stdout?.once("data", (chunk: Buffer) => resolve(Number(chunk.toString()))));
  killGroupAtTeardown(t, pgid);
  child.kill("SIGTERM");
  const result = await child;
  t.equal(result.exitCode, 143, "128+SIGTERM");
  t.same(await runningInGroup(pgid), [], "no process of the command's group runs");
  t.same(await readdir(runtime), [], "no private directory remains");
});

t.test("a command that cannot be started: 127 or 126 and one line", async (t) => {
  const { runtime, cwd, env } = fresh(t);
  await writeFile(join(cwd, "data.txt"), "not a program\n");
  await writeFile(join(cwd, "bad-interp"), "#!/nonexistent/interp\n", { mode: 0o755 });
  const cases: Array<[string, string, number, string]> = [
    ["not on PATH", "no-such-command-here", 127, "bst-cas-run: no-such-command-here: command not found"],
    ["missing", "./missing", 127, "bst-cas-run: ./missing: no such file or directory"],
    ["not executable", "./data.txt", 126, "bst-cas-run: ./data.txt: permission denied"],
    ["a directory", "/etc", 126, "bst-cas-run: /etc: is not a regular file"],
    ["a script whose interpreter is missing", "./bad-interp", 126, "bst-cas-run: ./bad-interp: bad interpreter /nonexistent/interp: no such file or directory"],
  ];
  for (const [name, command, status, stderr] of cases) {
    const result = await startTool(["--sandbox", "none", "--", command], { env, cwd });
    t.equal(result.exitCode, status, name);
    t.equal(result.stderr, stderr, `${name}: one line`);
  }
  t.same(await readdir(runtime), [], "no private directory remains");
});
