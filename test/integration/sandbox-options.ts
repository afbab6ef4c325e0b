// The sandbox options with real bwrap: --root, binds, tmpfs, network, environment, --sandbox none.
import { mkdtempSync, rmSync } from "node:fs";
import { chmod, copyFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import t, { type Test } from "tap";
import { sidRoot } from "../helpers/peers.js";
import { runTool } from "../helpers/run-tool.js";

/** A working dir, a cache dir and an environment without tap's NODE_OPTIONS. */
function fresh(t: Test, extra: Record<string, object> = {}) {
  const dir = t.testdir({ work: { "input.txt": "from the host\n" }, data: { "shared.txt": "shared\n" }, cache: {}, ...extra });
  const runtime = mkdtempSync("/tmp/bcr-test-");
  t.teardown(() => rmSync(runtime, { recursive: true, force: true }));
  const { NODE_OPTIONS: _nodeOptions, ...inherited } = process.env;
  const env = { ...inherited, XDG_RUNTIME_DIR: runtime, BST_CAS_RUN_CACHE_DIR: join(dir, "cache") };
  return { dir, work: join(dir, "work"), data: join(dir, "data"), env };
}

t.test("--root shows another system as /, and the socket still works there", async (t) => {
  const root = await sidRoot();
  const { work, env } = fresh(t);
  const host = (await readFile("/etc/debian_version", "utf8")).trim();
  const result = await runTool(["--root", root, "--", "sh", "-c", 'cat /etc/debian_version; test -S /run/reapi.sock && echo socket; pwd'], { env, cwd: work });
  t.equal(result.exitCode, 0, result.stderr);
  const [version, socket, pwd] = result.stdout.split("\n");
  t.equal(version, (await readFile(join(root, "etc/debian_version"), "utf8")).trim());
  t.not(version, host, "not the host's system");
  t.equal(socket, "socket");
  t.equal(pwd, "/", "with --root the command starts in / unless --chdir says otherwise");
});

t.test("--root without the command is 127 before anything starts", async (t) => {
  const { dir, work, env } = fresh(t, { tiny: { bin: {}, run: {}, tmp: {} } });
  const tiny = join(dir, "tiny");
  const result = await runTool(["--root", tiny, "--", "sh", "-c", "true"], { env, cwd: work });
  t.equal(result.exitCode, 127);
  t.equal(result.stderr, "bst-cas-run: sh: command not found");
});

t.test("--root lacking a binary's loader is 126 in one line, before anything starts", async (t) => {
  const { dir, work, env } = fresh(t, { tiny: { bin: {}, run: {}, tmp: {} } });
  const tiny = join(dir, "tiny");
  await copyFile("/bin/true", join(tiny, "bin", "true"));
  await chmod(join(tiny, "bin", "true"), 0o755);
  const result = await runTool(["--root", tiny, "--", "/bin/true"], { env, cwd: work });
  t.equal(result.exitCode, 126);
  t.match(result.stderr, /^bst-cas-run: \/bin\/true: missing loader \/\S+: no such file or directory$/);
});

t.test("--bind is writable, --ro-bind is not, --tmpfs is empty", async (t) => {
  const { work, data, env } = fresh(t);
  const result = await runTool(
    [
      "--bind", `${data}:/tmp/rw`,
      "--ro-bind", `${data}:/run/ro`,
      "--tmpfs", "/var/tmp",
      "--",
      "sh", "-c", 'echo written > /tmp/rw/new.txt; cat /run/ro/shared.txt; echo x > /run/ro/fail.txt 2>/dev/null || echo ro-refused; ls -A /var/tmp | wc -l',
    ],
    { env, cwd: work },
  );
  t.equal(result.exitCode, 0, result.stderr);
  t.equal(result.stdout, "shared\nro-refused\n0");
  t.equal(await readFile(join(data, "new.txt"), "utf8"), "written\n", "the write reached the host");
});

t.test("a mount point the read-only root lacks is a one-line error", async (t) => {
  const { data, work, env } = fresh(t);
  const result = await runTool(["--bind", `${data}:/no-such-dir/rw`, "--", "true"], { env, cwd: work });
  t.equal(result.exitCode, 125);
  t.equal(result.stderr, "bst-cas-run: --bind: /no-such-dir/rw does not exist in the sandbox's read-only root; use an existing directory, or one under /tmp or /run");
});

t.test("the working directory is writable, the rest of the host read-only", async (t) => {
  const { work, env } = fresh(t);
  const result = await runTool(["--", "sh", "-c", "cat input.txt; echo out > output.txt; touch /usr/forbidden 2>/dev/null || echo ro"], { env, cwd: work });
  t.equal(result.stdout, "from the host\nro");
  t.equal(await readFile(join(work, "output.txt"), "utf8"), "out\n");
});

t.test("no network by default; --share-net keeps the host's", async (t) => {
  const { work, env } = fresh(t);
  const interfaces = async (args: string[]) => {
    const result = await runTool([...args, "--", "sh", "-c", "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | sort"], { env, cwd: work });
    return result.stdout.split("\n").filter((name) => name !== "");
  };
  const isolated = await interfaces([]);
  const shared = await interfaces(["--share-net"]);
  const host = (await readFile("/proc/net/dev", "utf8")).split("\n").slice(2).map((line) => line.split(":")[0]?.trim() ?? "").filter((name) => name !== "").sort();
  t.same(isolated, ["lo"], "only a loopback of its own");
  t.same(shared, host, "the host's interfaces");
});

t.test("--clearenv leaves a minimal PATH and the recc variables; --setenv and --unsetenv apply", async (t) => {
  const { work, env } = fresh(t);
  const result = await runTool(
    ["--clearenv", "--setenv", "GREETING=hi there", "--setenv", "RECC_CACHE_ONLY=", "--", "/usr/bin/env"],
    { env: { ...env, SECRET_TOKEN: "must not leak" }, cwd: work },
  );
  const names = result.stdout.split("\n").map((line) => line.split("=")[0]).sort();
  t.same(names, [
    "GREETING",
    "PATH",
    "PWD", // bwrap sets it to the sandbox's working directory
    "REAPI_SOCKET",
    "RECC_ACTION_CACHE_INSTANCE",
    "RECC_ACTION_CACHE_SERVER",
    "RECC_CACHE_ONLY",
    "RECC_CAS_INSTANCE",
    "RECC_CAS_SERVER",
    "RECC_DEPS_GLOBAL_PATHS",
    "RECC_INSTANCE",
    "RECC_SERVER",
  ]);
  t.match(result.stdout, /^PATH=\/usr\/local\/bin:\/usr\/bin:\/bin$/m);
  t.match(result.stdout, /^GREETING=hi there$/m);
  t.match(result.stdout, new RegExp(`^PWD=${work}$`, "m"));
  t.match(result.stdout, /^RECC_CACHE_ONLY=$/m, "--setenv wins over the recc defaults");

  const unset = await runTool(["--unsetenv", "SECRET_TOKEN", "--", "/usr/bin/env"], { env: { ...env, SECRET_TOKEN: "x" }, cwd: work });
  t.notMatch(unset.stdout, /SECRET_TOKEN/);
});

t.test("BST_CAS_RUN_* variables configure the run; flags win", async (t) => {
  const { work, env } = fresh(t);
  const fromEnv = await runTool(["--", "sh", "-c", 'echo "$RECC_SERVER $RECC_INSTANCE"'], {
    env: { ...env, BST_CAS_RUN_SOCKET_PATH: "/run/other.sock", BST_CAS_RUN_INSTANCE: "team" },
    cwd: work,
  });
  t.equal(fromEnv.stdout, "unix:/run/other.sock team");
  const flagWins = await runTool(["--instance", "mine", "--", "sh", "-c", 'echo "$RECC_INSTANCE"'], {
    env: { ...env, BST_CAS_RUN_INSTANCE: "team" },
    cwd: work,
  });
  t.equal(flagWins.stdout, "mine");
});

t.test("--sandbox none runs on the host with the socket at its real path", async (t) => {
  const { work, env } = fresh(t);
  const marker = join(env.XDG_RUNTIME_DIR, "host-only.txt");
  await writeFile(marker, "host\n");
  const result = await runTool(["--sandbox", "none", "--", "sh", "-c", `test -S "$REAPI_SOCKET" && echo "$RECC_SERVER"; cat ${marker}`], { env, cwd: work });
  t.equal(result.exitCode, 0, result.stderr);
  const [server, seen] = result.stdout.split("\n");
  t.match(server, new RegExp(`^unix:${env.XDG_RUNTIME_DIR}/bst-cas-run-[^/]+/reapi\\.sock$`));
  t.equal(seen, "host", "the host's /tmp is visible: no sandbox");
});
