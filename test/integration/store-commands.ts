// `bst-cas-run store stats|gc|verify` through the built CLI: output, exit statuses, one-line errors.
import { chmod, mkdir, readFile, utimes, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import t from "tap";
import { create } from "@bufbuild/protobuf";
import { openLocalStore } from "../../src/backend/local/local-store.js";
import { blobPath } from "../../src/backend/local/store-layout.js";
import { ActionResultSchema } from "../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { runTool } from "../helpers/run-tool.js";
import { digestOf, wire, privateTestDir } from "../helpers/store-server.js";

const signal = new AbortController().signal;
const A = Buffer.from("blob a"), B = Buffer.from("blob b");
const { NODE_OPTIONS: _nodeOptions, BST_CAS_RUN_CACHE_DIR: _dir, BST_CAS_RUN_CACHE_QUOTA: _quota, ...ENV } = process.env;

async function populated(dir: string): Promise<string> {
  const root = join(dir, "cache");
  const store = await openLocalStore(root);
  for (const data of [A, B]) await store.writeBlob(digestOf(data), [data], signal);
  await store.updateActionResult(digestOf(Buffer.from("action")), create(ActionResultSchema, { stdoutDigest: wire(digestOf(A)) }), signal);
  await writeFile(join(root, "tmp", `x.${process.pid}.0123456789ab.tmp`), "abc");
  await store.close();
  return root;
}

t.test("store stats", async (t) => {
  const dir = privateTestDir(t);
  const root = await populated(dir);
  const json = await runTool(["store", "stats", "--json", "--cache-dir", root], { env: ENV, cwd: dir });
  t.equal(json.exitCode, 0);
  t.match(JSON.parse(String(json.stdout)), {
    cacheDir: root,
    blobs: { count: 2, bytes: A.length + B.length },
    actionResults: { count: 1 },
    tempFiles: { count: 1, bytes: 3 },
    partialUploads: { count: 0, bytes: 0 },
  });
  const text = await runTool(["store", "stats"], { env: { ...ENV, BST_CAS_RUN_CACHE_DIR: root }, cwd: dir });
  t.equal(text.exitCode, 0, "the store can come from BST_CAS_RUN_CACHE_DIR");
  t.match(String(text.stdout), new RegExp(`^store ${root}\\nblobs +2 +12 bytes\\naction results +1 `));
});

t.test("store verify: 0 when sound, 1 with what it removed, then 0 again", async (t) => {
  const dir = privateTestDir(t);
  const root = await populated(dir);
  const clean = await runTool(["store", "verify", "--cache-dir", root], { env: ENV, cwd: dir });
  t.strictSame([clean.exitCode, String(clean.stdout)], [0, "checked 2 blobs (12 bytes) and 1 action results: all sound"]);
  const damaged = blobPath({ root, casDir: join(root, "cas"), acDir: join(root, "ac"), tmpDir: join(root, "tmp") }, digestOf(B));
  await chmod(damaged, 0o644);
  await writeFile(damaged, "blob B");
  const found = await runTool(["store", "verify", "--cache-dir", root], { env: ENV, cwd: dir });
  t.equal(found.exitCode, 1);
  t.match(String(found.stdout), new RegExp(`^removed ${damaged}: content hashes to [0-9a-f]{64}\\nchecked 2 blobs .*: 1 bad blobs, 0 bad action results removed$`));
  const again = await runTool(["store", "verify", "--cache-dir", root], { env: ENV, cwd: dir });
  t.strictSame([again.exitCode, String(again.stdout)], [0, "checked 1 blobs (6 bytes) and 1 action results: all sound"]);
});

t.test("store gc without a quota keeps every blob", async (t) => {
  const dir = privateTestDir(t);
  const root = await populated(dir);
  const gc = await runTool(["store", "gc", "--cache-dir", root], { env: ENV, cwd: dir });
  t.strictSame([gc.exitCode, String(gc.stdout)], [0, "removed 0 temp files (0 bytes), evicted 0 blobs (0 bytes); 2 blobs (12 bytes) remain"]);
});

t.test("errors are one line and exit 125", async (t) => {
  const dir = privateTestDir(t);
  const root = await populated(dir);
  const cases: Array<[string[], RegExp]> = [
    [["store", "stats", "--cache-dir", join(dir, "nowhere")], /^bst-cas-run: no store at .*nowhere: not a directory$/],
    [["store", "verify", "--cache-dir", join(dir, "nowhere")], /^bst-cas-run: no store at /],
    [["store", "gc", "--cache-dir", root, "--cache-quota", "lots"], /^bst-cas-run: --cache-quota takes a size such as .*, got "lots"$/],
    [["store", "gc", "--cache-dir", ""], /^bst-cas-run: --cache-dir must not be empty$/],
    [["store", "stats", "--bogus"], /^bst-cas-run: Unsupported option name \("--bogus"\)/],
    [["--cache-quota", "1X", "--sandbox", "none", "--", "true"], /^bst-cas-run: --cache-quota takes a size/],
  ];
  for (const [args, message] of cases) {
    const result = await runTool(args, { env: ENV, cwd: dir });
    t.equal(result.exitCode, 125, args.join(" "));
    t.match(String(result.stderr), message);
    t.notMatch(String(result.stderr), /\n/, "one line");
  }
});

t.test("verify and gc refuse a directory that is not a store, and leave its files alone", async (t) => {
  const dir = privateTestDir(t);
  const notStore = join(dir, "home");
  // Files that verify (a cas/ file whose name is no hash of it) and gc (a dead writer's temp file) would remove in a store.
  const looksLikeBlob = join(notStore, "cas", "ab", "ab".repeat(32));
  const looksLikeTemp = join(notStore, "tmp", "x.999999999.0123456789ab.tmp");
  await mkdir(dirname(looksLikeBlob), { recursive: true });
  await mkdir(dirname(looksLikeTemp), { recursive: true });
  await writeFile(looksLikeBlob, "notes");
  await writeFile(looksLikeTemp, "draft");
  const longAgo = new Date(Date.now() - 30 * 24 * 3600 * 1000);
  await utimes(looksLikeTemp, longAgo, longAgo);
  for (const command of ["verify", "gc", "stats"]) {
    const result = await runTool(["store", command, "--cache-dir", notStore], { env: ENV, cwd: dir });
    t.equal(result.exitCode, 125, command);
    t.equal(String(result.stderr), `bst-cas-run: no store at ${notStore}: it has no ac/ directory, so it was not made by bst-cas-run`);
  }
  t.equal(await readFile(looksLikeBlob, "utf8"), "notes", "the cas/-like file is kept");
  t.equal(await readFile(looksLikeTemp, "utf8"), "draft", "the tmp/-like file is kept");
});

t.test("each store command has its usage text", async (t) => {
  for (const command of ["stats", "gc", "verify"]) {
    const result = await runTool(["store", command, "--help"], { env: ENV });
    t.equal(result.exitCode, 0);
    t.match(String(result.stdout), new RegExp(`bst-cas-run store ${command}`));
    t.match(String(result.stdout), /Exits 0/);
  }
});
