// The cas, ac and capabilities commands inside a real bst-cas-run sandbox, finding the socket through REAPI_SOCKET.
import { createCipheriv, createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { chmod, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import t, { type Test } from "tap";
import { BIN, REPO_ROOT, runTool } from "../helpers/run-tool.js";
import { silentUpstream } from "../helpers/silent-upstream.js";
import { describeTree } from "../helpers/trees.js";

/** A runtime dir, cache dir, working dir and environment for a series of runs sharing one store. */
function freshStore(t: Test) {
  const dir = t.testdir({ cache: {}, work: {} });
  const runtime = mkdtempSync("/tmp/bcr-cli-");
  t.teardown(() => rmSync(runtime, { recursive: true, force: true }));
  const { NODE_OPTIONS: _nodeOptions, REAPI_SOCKET: _socket, ...inherited } = process.env;
  const env = { ...inherited, XDG_RUNTIME_DIR: runtime };
  const work = join(dir, "work");
  /** Runs `bst-cas-run [outer...] -- node bin/bst-cas-run.cjs inner...` in `work`. */
  const inSandbox = (inner: readonly string[], outer: readonly string[] = []) =>
    runTool([...VISIBLE, "--cache-dir", join(dir, "cache"), ...outer, "--", process.execPath, BIN, ...inner], { env, cwd: work });
  /** Runs `sh -c script` in the sandbox, with `$CLI` the inner command line. */
  const shell = (script: string) =>
    runTool([...VISIBLE, "--cache-dir", join(dir, "cache"), "--setenv", `CLI=${process.execPath} ${BIN}`, "--", "sh", "-c", script], { env, cwd: work });
  return { work, env, inSandbox, shell };
}

/** The built CLI and its modules, visible in the sandbox even when the clone is under /tmp (a tmpfs there). */
const VISIBLE = ["dist", "bin", "node_modules"].flatMap((name) => ["--ro-bind", join(REPO_ROOT, name)]);
const DIGEST = /^[0-9a-f]{64}\/[0-9]+$/;

t.test("cas put a tree, cas get --tree it elsewhere: identical, modes and symlinks too", async (t) => {
  const { work, inSandbox } = freshStore(t);
  await writeTree(join(work, "tree"));
  const put = await inSandbox(["cas", "put", "tree"]);
  t.equal(put.exitCode, 0, `cas put succeeds: ${put.stderr}`);
  const digest = String(put.stdout).trim();
  t.match(digest, DIGEST, "one digest");
  t.equal(put.stderr, "", "nothing on stderr (not a terminal: no progress)");

  const get = await inSandbox(["cas", "get", "--tree", "-o", "copy", digest]);
  t.equal(get.exitCode, 0, `cas get --tree succeeds: ${get.stderr}`);
  t.same(await describeTree(join(work, "copy")), await describeTree(join(work, "tree")), "same files, contents, executable bits and symlinks");

  const again = await inSandbox(["cas", "put", "--json", "tree"]);
  const report = JSON.parse(String(again.stdout));
  t.match(report, { paths: [{ path: "tree", kind: "directory", digest }], uploadedBlobs: 0, uploadedBytes: 0 }, "a second put uploads nothing");

  const busy = await inSandbox(["cas", "get", "--tree", "-o", "copy", digest]);
  t.equal(busy.exitCode, 2, "a non-empty destination is a usage error");
  t.match(busy.stderr, /^bst-cas-run: cas get: .*copy is not empty/);
  const noOutput = await inSandbox(["cas", "get", "--tree", digest]);
  t.equal(noOutput.exitCode, 2, "--tree without -o");
});

t.test("a large file goes up with ByteStream and comes back byte-identical, to stdout and to a file", async (t) => {
  const { work, inSandbox, shell } = freshStore(t);
  const size = 9 * 1024 * 1024 + 3;
  await writeFile(join(work, "big.bin"), pseudoRandom(size));
  const put = await inSandbox(["cas", "put", "--blob", "--json", "big.bin"]);
  t.equal(put.exitCode, 0, `cas put succeeds: ${put.stderr}`);
  const report = JSON.parse(String(put.stdout));
  const expected = `${sha256(await readFile(join(work, "big.bin")))}/${size}`;
  t.match(report, { paths: [{ path: "big.bin", kind: "file", digest: expected, blob: expected }], uploadedBlobs: 1, uploadedBytes: size }, "--blob: the contents' digest");

  const toFile = await inSandbox(["cas", "get", "-o", "back.bin", expected]);
  t.equal(toFile.exitCode, 0, `cas get -o succeeds: ${toFile.stderr}`);
  t.equal(sha256(await readFile(join(work, "back.bin"))), expected.split("/")[0], "-o: byte-identical");
  const toStdout = await shell(`$CLI cas get ${expected} > stdout.bin`);
  t.equal(toStdout.exitCode, 0, `cas get to stdout succeeds: ${toStdout.stderr}`);
  t.equal(sha256(await readFile(join(work, "stdout.bin"))), expected.split("/")[0], "stdout: byte-identical");
});

t.test("cas missing and cas get of absent blobs", async (t) => {
  const { work, inSandbox } = freshStore(t);
  await writeFile(join(work, "present.txt"), "here\n");
  const put = await inSandbox(["cas", "put", "--blob", "present.txt"]);
  const present = String(put.stdout).trim();
  const absent = `${sha256(Buffer.from("never uploaded"))}/14`;
  const some = await inSandbox(["cas", "missing", present, absent]);
  t.equal(some.exitCode, 1, "exit 1 when any is missing");
  t.equal(String(some.stdout), absent, "only the missing one is printed");
  const json = await inSandbox(["cas", "missing", "--json", present, absent]);
  t.same(JSON.parse(String(json.stdout)), { missing: [absent], present: [present] });
  const none = await inSandbox(["cas", "missing", present]);
  t.equal(none.exitCode, 0, "exit 0 when all are present");
  t.equal(String(none.stdout), "");
  const get = await inSandbox(["cas", "get", absent]);
  t.equal(get.exitCode, 1, "cas get of an absent blob: exit 1");
  t.equal(get.stderr, `bst-cas-run: cas get: blob ${absent} is not in the CAS`, "in one line");
  const tree = await inSandbox(["cas", "get", "--tree", "-o", "t", absent]);
  t.equal(tree.exitCode, 1, "cas get --tree of an absent Directory: exit 1");
});

t.test("ac get, ac put and capabilities follow the run's policy", async (t) => {
  const { work, inSandbox } = freshStore(t);
  await writeFile(join(work, "out.o"), "object code\n");
  const blob = String((await inSandbox(["cas", "put", "--blob", "out.o"])).stdout).trim();
  const action = `${sha256(Buffer.from("an action"))}/9`;
  const result = { exitCode: 0, outputFiles: [{ path: "out.o", digest: { hash: blob.split("/")[0], sizeBytes: blob.split("/")[1] }, isExecutable: false }] };
  await writeFile(join(work, "result.json"), JSON.stringify(result));

  const miss = await inSandbox(["ac", "get", action]);
  t.equal(miss.exitCode, 1, "a miss is exit 1");
  t.equal(miss.stderr, `bst-cas-run: ac get: no action result for ${action}`);
  const refused = await inSandbox(["ac", "put", action, "--result", "result.json"]);
  t.equal(refused.exitCode, 4, "updates are refused by default: exit 4");
  t.match(refused.stderr, /^bst-cas-run: ac put: the server answered PERMISSION_DENIED: .*--action-cache-enable-update/);
  t.equal(String(refused.stderr).split("\n").length, 1, "in one line");
  const capsOff = JSON.parse(String((await inSandbox(["capabilities", "--json"])).stdout));
  t.equal(capsOff.cacheCapabilities.actionCacheUpdateCapabilities.updateEnabled, false, "capabilities say so");

  const allow = ["--action-cache-enable-update"];
  const capsOn = JSON.parse(String((await inSandbox(["capabilities", "--json"], allow)).stdout));
  t.equal(capsOn.cacheCapabilities.actionCacheUpdateCapabilities.updateEnabled, true);
  t.equal(capsOn.cacheCapabilities.digestFunctions[0], "SHA256");
  const stored = await inSandbox(["ac", "put", action, "--result", "result.json"], allow);
  t.equal(stored.exitCode, 0, `ac put succeeds where updates are allowed: ${stored.stderr}`);
  const hit = await inSandbox(["ac", "get", "--json", action]);
  t.equal(hit.exitCode, 0, "and a later run finds it");
  t.match(JSON.parse(String(hit.stdout)), { exitCode: 0, outputFiles: [{ path: "out.o", digest: { hash: blob.split("/")[0], sizeBytes: blob.split("/")[1] } }] });
  const text = await inSandbox(["ac", "get", action]);
  t.equal(String(text.stdout), `exit code: 0\noutput file: out.o ${blob}`);
  const caps = await inSandbox(["capabilities"]);
  t.match(String(caps.stdout), /^server: unix:\/run\/reapi\.sock\ninstance: ""\n/);

  await writeFile(join(work, "bad.json"), '{"exitCode": "nope"}');
  const bad = await inSandbox(["ac", "put", action, "--result", "bad.json"], allow);
  t.equal(bad.exitCode, 2, "a result file that is not an ActionResult: exit 2");
  t.match(bad.stderr, /^bst-cas-run: ac put: bad\.json is not an ActionResult in proto3 JSON/);
});

t.test("the instance comes from RECC_INSTANCE; --instance overrides it", async (t) => {
  const { work, inSandbox } = freshStore(t);
  await writeFile(join(work, "f"), "f\n");
  const ok = await inSandbox(["cas", "put", "f"], ["--instance", "main"]);
  t.equal(ok.exitCode, 0, `RECC_INSTANCE=main is used: ${ok.stderr}`);
  const other = await inSandbox(["cas", "put", "--instance", "other", "f"], ["--instance", "main"]);
  t.equal(other.exitCode, 4, "another instance is refused: exit 4");
  t.match(other.stderr, /PERMISSION_DENIED: instance name "other" is not served here/);
});

t.test("usage errors exit 2, in one line", async (t) => {
  const { inSandbox, env, work } = freshStore(t);
  for (const [name, args] of [
    ["a malformed digest", ["cas", "get", "nonsense"]],
    ["a missing argument", ["cas", "get"]],
    ["an unknown option", ["cas", "put", "--bogus", "x"]],
    ["an unknown subcommand", ["cas", "frobnicate"]],
    ["a path that does not exist", ["cas", "put", "absent-path"]],
  ] as const) {
    const result = await inSandbox(args);
    t.equal(result.exitCode, 2, name);
    t.equal(String(result.stderr).split("\n").length, 1, `${name}: one line`);
  }
  const outside = await runTool(["cas", "missing", `${"0".repeat(64)}/1`], { env, cwd: work });
  t.equal(outside.exitCode, 2, "outside a sandbox, without --server: exit 2");
  t.match(outside.stderr, /no server: run inside a bst-cas-run sandbox/);
  const badInstance = await runTool(["capabilities", "--server", "unix:/nonexistent/reapi.sock", "--instance", "a/blobs"], { env, cwd: work });
  t.equal(badInstance.exitCode, 2, "an instance name that cannot be one: exit 2, before any connection");
  t.equal(badInstance.stderr, 'bst-cas-run: capabilities: --instance "a/blobs": the instance name uses the reserved word "blobs"');
  const unreachable = await runTool(["capabilities", "--server", "unix:/nonexistent/reapi.sock"], { env, cwd: work });
  t.equal(unreachable.exitCode, 3, "a server that cannot be reached: exit 3");
  t.match(unreachable.stderr, /^bst-cas-run: capabilities: cannot reach the server/);
});

t.test("--connect-timeout (or BST_CAS_RUN_CONNECT_TIMEOUT) bounds the wait for a server that never answers", async (t) => {
  const { env, work } = freshStore(t);
  const silent = await silentUpstream(t, "unix");
  const server = `unix:${silent.path}`;
  for (const [name, args, extraEnv, seconds] of [
    ["--connect-timeout 0.5", ["--connect-timeout", "0.5"], {}, 0.5],
    ["BST_CAS_RUN_CONNECT_TIMEOUT=0.5", [], { BST_CAS_RUN_CONNECT_TIMEOUT: "0.5" }, 0.5],
    ["the flag before the variable", ["--connect-timeout", "0.7"], { BST_CAS_RUN_CONNECT_TIMEOUT: "60" }, 0.7],
  ] as const) {
    const started = performance.now();
    const result = await runTool(["cas", "missing", "--server", server, ...args, `${"0".repeat(64)}/1`], { env: { ...env, ...extraEnv }, cwd: work });
    const elapsed = performance.now() - started;
    t.equal(result.exitCode, 3, `${name}: exit 3 (${result.stderr})`);
    t.match(result.stderr, new RegExp(`^bst-cas-run: cas missing: cannot reach the server \\(UNAVAILABLE\\): .*within ${seconds} s`), `${name}: says so in one line`);
    t.ok(elapsed < 5000, `${name}: given up after the timeout, not the default 10 s (${Math.round(elapsed)} ms)`);
  }
  for (const [name, args, extraEnv, source] of [
    ["--connect-timeout 0", ["--connect-timeout", "0"], {}, "--connect-timeout"],
    ["--connect-timeout soon", ["--connect-timeout", "soon"], {}, "--connect-timeout"],
    ["BST_CAS_RUN_CONNECT_TIMEOUT=-1", [], { BST_CAS_RUN_CONNECT_TIMEOUT: "-1" }, "BST_CAS_RUN_CONNECT_TIMEOUT"],
  ] as const) {
    const result = await runTool(["capabilities", "--server", server, ...args], { env: { ...env, ...extraEnv }, cwd: work });
    t.equal(result.exitCode, 2, `${name}: a usage error, exit 2`);
    t.match(result.stderr, new RegExp(`^bst-cas-run: capabilities: ${source} takes a positive number of seconds, got "[^"]*"$`), `${name}: one line naming it`);
  }
  t.equal(silent.accepted(), 3, "the bad values were refused before any connection");
});

/** Nested directories, an empty one, an empty file, executables, relative, absolute and dangling symlinks. */
async function writeTree(top: string): Promise<void> {
  await mkdir(join(top, "src", "lib", "deep"), { recursive: true });
  await mkdir(join(top, "empty"));
  for (let i = 0; i < 40; i++) await writeFile(join(top, "src", `file-${i}.c`), `int f${i}(void) { return ${i}; }\n`.repeat(i + 1));
  await writeFile(join(top, "src", "lib", "deep", "data.bin"), pseudoRandom(5 * 1024 * 1024));
  await writeFile(join(top, "empty-file"), "");
  await writeFile(join(top, "run.sh"), "#!/bin/sh\necho hi\n");
  await chmod(join(top, "run.sh"), 0o755);
  await writeFile(join(top, "src", "lib", "tool"), "#!/bin/sh\n");
  await chmod(join(top, "src", "lib", "tool"), 0o700);
  await symlink("src/file-1.c", join(top, "link"));
  await symlink("/usr/bin/env", join(top, "src", "absolute"));
  await symlink("does/not/exist", join(top, "dangling"));
  await symlink("../..", join(top, "src", "lib", "up"));
}

function pseudoRandom(size: number): Buffer {
  return createCipheriv("aes-256-ctr", Buffer.alloc(32, 3), Buffer.alloc(16)).update(Buffer.alloc(size));
}

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

