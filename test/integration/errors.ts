// Mistakes a user can fix: one line on stderr naming the problem and the fix, exit status 125.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";
import { runTool } from "../helpers/run-tool.js";

const FAKE_BWRAP_DIR = fileURLToPath(new URL("../fixtures/fake-bwrap", import.meta.url));

t.test("user errors", async (t) => {
  const dir = t.testdir({ "a-file": "not a directory\n", work: {} });
  const runtime = mkdtempSync("/tmp/bcr-test-");
  t.teardown(() => rmSync(runtime, { recursive: true, force: true }));
  const { NODE_OPTIONS: _nodeOptions, ...inherited } = process.env;
  const env = { ...inherited, XDG_RUNTIME_DIR: runtime, BST_CAS_RUN_CACHE_DIR: join(dir, "cache") };
  const cases: { name: string; args: string[]; env?: NodeJS.ProcessEnv; stderr: RegExp }[] = [
    { name: "unknown flag", args: ["--no-such-flag", "--", "true"], stderr: /^bst-cas-run: Unsupported option name \("--no-such-flag"\)\. \(see bst-cas-run --help\)$/ },
    { name: "no command", args: [], stderr: /^bst-cas-run: Not enough positional arguments: expected -- <command> \[args\.\.\.\] \(see bst-cas-run --help\)$/ },
    { name: "conflicting flags", args: ["--sandbox", "none", "--share-net", "--", "true"], stderr: /^bst-cas-run: --sandbox none cannot be combined with sandbox options \(--share-net\)$/ },
    { name: "socket path too long", args: ["--socket-path", `/run/${"s".repeat(120)}`, "--", "true"], stderr: /^bst-cas-run: --socket-path is 125 bytes, over the 107 a UNIX socket path may have$/ },
    { name: "cache directory not usable", args: ["--cache-dir", join(dir, "a-file", "cache"), "--", "true"], stderr: /^bst-cas-run: cannot use the cache directory .*a-file\/cache: ENOTDIR/ },
    { name: "bwrap not installed", args: ["--", "/bin/true"], env: { ...env, PATH: "/nonexistent" }, stderr: /^bst-cas-run: bwrap not found: install bubblewrap \(Debian\/Ubuntu: apt-get install bubblewrap\)$/ },
    {
      // A stand-in bwrap: user namespaces cannot be switched off for root on this machine.
      name: "user namespaces unavailable",
      args: ["--", "/bin/true"],
      env: { ...env, PATH: `${FAKE_BWRAP_DIR}:/usr/bin:/bin` },
      stderr: /bst-cas-run: the sandbox could not be set up \(bwrap exited with status 1\): user namespaces are not available here; where the command is already sandboxed, use --sandbox none$/,
    },
    {
      name: "embedded-store flag beside an upstream",
      args: ["--remote", "unix:/nonexistent/up.sock", "--cache-quota", "1G", "--", "true"],
      stderr: /^bst-cas-run: --cache-quota applies to the embedded store; with --remote unix:\/nonexistent\/up.sock the upstream keeps the blobs$/,
    },
    {
      name: "the same for serve",
      args: ["serve", "--socket", join(runtime, "s.sock"), "--remote", "unix:/nonexistent/up.sock", "--cache-dir", join(dir, "cache")],
      stderr: /^bst-cas-run: --cache-dir applies to the embedded store; with --remote unix:\/nonexistent\/up.sock the upstream keeps the blobs$/,
    },
    { name: "an instance name with a reserved segment", args: ["--instance", "a/blobs", "--", "true"], stderr: /^bst-cas-run: --instance "a\/blobs": the instance name uses the reserved word "blobs"$/ },
    {
      name: "the same for serve, from the variable",
      args: ["serve", "--socket", join(runtime, "i.sock")],
      env: { ...env, BST_CAS_RUN_INSTANCE: "main/" },
      stderr: /^bst-cas-run: BST_CAS_RUN_INSTANCE "main\/": the instance name starts or ends with '\/'$/,
    },
    { name: "an empty --socket for serve", args: ["serve", "--socket="], stderr: /^bst-cas-run: --socket must not be empty$/ },
    { name: "bad upstream URL", args: ["--remote", "http://example", "--", "true"], stderr: /^bst-cas-run: --remote must be unix:\/path, grpc:\/\/host:port or grpcs:\/\/host:port, got "http:\/\/example"$/ },
  ];
  for (const c of cases) {
    await t.test(c.name, async (t) => {
      const result = await runTool(c.args, { env: c.env ?? env, cwd: join(dir, "work") });
      t.equal(result.exitCode, 125);
      t.match(result.stderr, c.stderr);
      if (c.name !== "user namespaces unavailable") t.equal(result.stderr.split("\n").length, 1, "one line");
    });
  }
});

t.test("--stats-json: checked before anything runs; a write that fails at the end keeps the command's status", async (t) => {
  const dir = t.testdir({ work: {} });
  const work = join(dir, "work");
  const runtime = mkdtempSync("/tmp/bcr-test-");
  t.teardown(() => rmSync(runtime, { recursive: true, force: true }));
  const { NODE_OPTIONS: _nodeOptions, ...inherited } = process.env;
  const env = { ...inherited, XDG_RUNTIME_DIR: runtime, BST_CAS_RUN_CACHE_DIR: join(dir, "cache") };

  const early = await runTool(["--sandbox", "none", "--stats-json", "gone/s.json", "--", "touch", "ran"], { env, cwd: work });
  t.equal(early.exitCode, 125);
  t.equal(early.stderr, `bst-cas-run: --stats-json: cannot write ${join(work, "gone", "s.json")}: the directory ${join(work, "gone")} does not exist`);
  t.notOk(existsSync(join(work, "ran")), "the command did not run");
  const serve = await runTool(["serve", "--socket", join(runtime, "s.sock"), "--stats-json", join(work, "gone", "s.json")], { env, cwd: work });
  t.equal(serve.exitCode, 125, "serve refuses it too");
  t.notOk(existsSync(join(runtime, "s.sock")), "and does not start");

  mkdirSync(join(work, "out"));
  const late = await runTool(["--sandbox", "none", "--stats-json", "out/s.json", "--", "sh", "-c", "rm -r out; exit 3"], { env, cwd: work });
  t.equal(late.exitCode, 3, "the command's own status");
  t.equal(late.stderr, `bst-cas-run: --stats-json: cannot write ${join(work, "out", "s.json")}: ENOENT: no such file or directory`);
});

t.test("help into a pipe is plain text: colours only for a terminal", async (t) => {
  // A colour terminal's TERM, as in an interactive shell whose output is piped to less or a file.
  const { NO_COLOR: _noColor, FORCE_COLOR: _forceColor, ...inherited } = process.env;
  const env = { ...inherited, TERM: "xterm-256color" };
  for (const args of [["--help"], ["cas", "put", "--help"]]) {
    const result = await runTool(args, { env });
    t.equal(result.exitCode, 0, args.join(" "));
    t.match(result.stdout, /bst-cas-run/, `${args.join(" ")} prints help`);
    t.notMatch(result.stdout, /\u001b\[/, `${args.join(" ")} holds no escape sequence`);
  }
});
