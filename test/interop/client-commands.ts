// cas put prints the digests buildbox's casupload computes; trees cross between our commands, casupload/casdownload and buildbox-casd intact.
import { createCipheriv, createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { chmod, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import t from "tap";
import { startCasd } from "../helpers/casd.js";
import { inSidRoot, sidRoot } from "../helpers/peers.js";
import { BIN, REPO_ROOT, runTool } from "../helpers/run-tool.js";
import { describeTree } from "../helpers/trees.js";

/** The built CLI and its modules, visible in the sandbox even when the clone is under /tmp. */
const VISIBLE = ["dist", "bin", "node_modules"].flatMap((name) => ["--ro-bind", join(REPO_ROOT, name)]);
const { NODE_OPTIONS: _nodeOptions, REAPI_SOCKET: _socket, ...ENV } = process.env;

t.test("against the embedded store: casupload's digests, and trees crossing both ways", async (t) => {
  const root = await sidRoot();
  const dir = t.testdir({ work: {}, casuploadStore: {}, ourStore: {} });
  const work = join(dir, "work");
  await writeTree(join(work, "tree"));
  await writeFile(join(work, "single.txt"), "a single file\n");
  const inSid = (store: string, command: string[]) => runTool([...inSidRoot(root, work), "--cache-dir", join(dir, store), "--", ...command], { env: ENV });
  const ours = (store: string, inner: string[]) =>
    runTool([...VISIBLE, "--cache-dir", join(dir, store), "--", process.execPath, BIN, ...inner], { env: ENV, cwd: work });

  const casupload: Record<string, string> = {};
  for (const name of ["tree", "single.txt"]) {
    const upload = await inSid("casuploadStore", ["casupload", "--remote=unix:/run/reapi.sock", `--output-digest-file=/src/${name}.digest`, name]);
    t.equal(upload.exitCode, 0, `casupload ${name}: ${upload.stderr}`);
    casupload[name] = (await readFile(join(work, `${name}.digest`), "utf8")).trim();
  }
  t.match(casupload["tree"], /^[0-9a-f]{64}\/[0-9]+$/);

  const put = await ours("ourStore", ["cas", "put", "tree", "single.txt"]);
  t.equal(put.exitCode, 0, `cas put: ${put.stderr}`);
  t.same(String(put.stdout).split("\n"), [casupload["tree"], casupload["single.txt"]], "the directory's and the single file's digests are casupload's");
  t.equal(put.stderr, `bst-cas-run: cas put: skipped tree/sub/fifo: not a file, directory or symlink`, "the FIFO, which casupload leaves out silently, is reported");
  const dry = await runTool(["cas", "put", "--dry-run", "tree", "single.txt"], { env: ENV, cwd: work });
  t.same(String(dry.stdout).split("\n"), [casupload["tree"], casupload["single.txt"]], "--dry-run, without any server, too");

  const fromCasupload = await ours("casuploadStore", ["cas", "get", "--tree", "-o", "from-casupload", casupload["tree"]!]);
  t.equal(fromCasupload.exitCode, 0, `cas get --tree of casupload's upload: ${fromCasupload.stderr}`);
  t.same(await describeTree(join(work, "from-casupload")), await describeTree(join(work, "tree")), "what casupload uploaded, cas get --tree materialises identically");

  const download = await inSid("ourStore", ["casdownload", "--remote=unix:/run/reapi.sock", "--destination-dir=/src/from-ours", `--root-digest=${casupload["tree"]}`]);
  t.equal(download.exitCode, 0, `casdownload of our upload: ${download.stderr}`);
  t.same(await describeTree(join(work, "from-ours")), await describeTree(join(work, "tree")), "what cas put uploaded, casdownload materialises identically");
});

t.test("against buildbox-casd with --server unix:...", async (t) => {
  const casd = await startCasd(t);
  const server = `unix:${casd.socketPath}`;
  const dir = t.testdir({ work: {} });
  const work = join(dir, "work");
  await writeTree(join(work, "tree"));
  const cli = (args: string[]) => runTool([...args.slice(0, 2), "--server", server, ...args.slice(2)], { env: ENV, cwd: work });
  const expected = String((await runTool(["cas", "put", "--dry-run", "tree"], { env: ENV, cwd: work })).stdout);

  const put = await cli(["cas", "put", "--json", "tree"]);
  t.equal(put.exitCode, 0, `cas put: ${put.stderr}`);
  const report = JSON.parse(String(put.stdout));
  t.equal(report.paths[0].digest, expected, "the same digest as against the embedded store (casupload's, above)");
  t.equal(report.uploadedBlobs, report.blobs - 1, "casd lacked everything but the empty blob");
  const log = await casd.log();
  t.match(log, /Write request from \[peer="unix:"\]: \[tool_name="bst-cas-run", tool_version="[^"]+", tool_invocation_id="[^"]+", action_mnemonic="cas put"/, "the 6 MiB file went by ByteStream Write, with our RequestMetadata");
  t.match(log, /BatchUpdateBlobs request from \[peer="unix:"\]: \[tool_name="bst-cas-run"/, "the small ones by BatchUpdateBlobs");

  const again = JSON.parse(String((await cli(["cas", "put", "--json", "tree"])).stdout));
  t.equal(again.uploadedBlobs, 0, "a second put finds everything present");
  const get = await cli(["cas", "get", "--tree", "-o", "copy", expected]);
  t.equal(get.exitCode, 0, `cas get --tree: ${get.stderr}`);
  t.same(await describeTree(join(work, "copy")), await describeTree(join(work, "tree")), "identical, modes and symlinks too");
  const missing = await cli(["cas", "missing", expected, `${"0".repeat(64)}/3`]);
  t.equal(missing.exitCode, 1);
  t.equal(String(missing.stdout), `${"0".repeat(64)}/3`);

  const caps = await cli(["capabilities", "--json"]);
  t.equal(caps.exitCode, 0, `capabilities: ${caps.stderr}`);
  t.match(JSON.parse(String(caps.stdout)), { cacheCapabilities: { digestFunctions: ["SHA256"] } });

  const action = `${createHash("sha256").update("an action").digest("hex")}/9`;
  // An output file casd holds (tree/apple, uploaded above): casd drops results whose outputs it lacks.
  const output = { hash: createHash("sha256").update("apple\n").digest("hex"), sizeBytes: "6" };
  t.equal((await cli(["ac", "get", action])).exitCode, 1, "ac get: a miss");
  await writeFile(join(work, "result.json"), JSON.stringify({ exitCode: 0, outputFiles: [{ path: "out/apple", digest: output, isExecutable: true }] }));
  const stored = await cli(["ac", "put", action, "--result", "result.json"]);
  t.equal(stored.exitCode, 0, `ac put (casd takes updates): ${stored.stderr}`);
  const hit = await cli(["ac", "get", "--json", action]);
  t.equal(hit.exitCode, 0, `ac get: ${hit.stderr}`);
  t.match(JSON.parse(String(hit.stdout)), { exitCode: 0, outputFiles: [{ path: "out/apple", digest: output, isExecutable: true }] }, "the result comes back");
});

/**
 * A tree with what tells implementations apart: names ordered differently by UTF-8 bytes and
 * UTF-16 units, upper and lower case, spaces; owner-only and group-only execute bits; empty
 * file and directory; relative, absolute, dangling and directory symlinks; a FIFO; deep
 * nesting; a 6 MiB file (over any batch).
 */
async function writeTree(top: string): Promise<void> {
  const deep = join(top, "sub", "a", "b", "c", "d");
  await mkdir(deep, { recursive: true });
  await mkdir(join(top, "empty"));
  await writeFile(join(deep, "bottom.txt"), "deep\n");
  for (const name of ["\u{1F600} smile", "\uFF21 wide", "Zebra", "apple", "Apple", "with space", "-dash", "caf\u00e9"]) {
    await writeFile(join(top, name), `${name}\n`);
  }
  await writeFile(join(top, "empty-file"), "");
  await writeFile(join(top, "sub", "owner-exec"), "#!/bin/sh\n");
  await chmod(join(top, "sub", "owner-exec"), 0o700);
  await writeFile(join(top, "sub", "group-exec"), "#!/bin/sh\n# g\n");
  await chmod(join(top, "sub", "group-exec"), 0o654);
  await writeFile(join(top, "sub", "big.bin"), createCipheriv("aes-256-ctr", Buffer.alloc(32, 5), Buffer.alloc(16)).update(Buffer.alloc(6 * 1024 * 1024)));
  for (let i = 0; i < 30; i++) await writeFile(join(top, "sub", "a", `n${i}`), `${i}\n`.repeat(i));
  await symlink("apple", join(top, "link"));
  await symlink("/etc/hostname", join(top, "sub", "absolute"));
  await symlink("not/there", join(top, "sub", "dangling"));
  await symlink("a/b", join(top, "sub", "dirlink"));
  execFileSync("mkfifo", [join(top, "sub", "fifo")]);
}

