// recc (buildbox 1.4.30) through bst-cas-run on the embedded store: misses, hits, and the policy.
import { readFile, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import t from "tap";
import { inSidRoot, sidRoot } from "../helpers/peers.js";
import { runTool } from "../helpers/run-tool.js";

const HELLO_C = '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n';
const UPDATED = /Action cache updated for/;
const HIT = /Action Cache hit for/;
const MISS = /Action not cached and running in cache-only mode, executing locally/;

t.test("recc misses, uploads, then hits with --action-cache-enable-update", async (t) => {
  const root = await sidRoot();
  const dir = t.testdir({ src: { "hello.c": HELLO_C }, cache: {} });
  const src = join(dir, "src");
  const tool = [...inSidRoot(root, src), "--cache-dir", join(dir, "cache"), "--setenv", "RECC_VERBOSE=1"];
  const compile = ["--", "recc", "gcc", "-c", "hello.c", "-o", "hello.o"];

  const first = await runTool(["--action-cache-enable-update", ...tool, ...compile]);
  t.equal(first.exitCode, 0, "the first build succeeds");
  t.match(first.stderr, MISS, "the first build misses");
  t.match(first.stderr, UPDATED, "and stores its result");
  const firstObject = await readFile(join(src, "hello.o"));
  await rm(join(src, "hello.o"));

  const second = await runTool(["--stats-json", join(dir, "stats.json"), ...tool, ...compile]);
  t.equal(second.exitCode, 0);
  t.match(second.stderr, HIT, "the clean rebuild is a cache hit");
  t.notMatch(second.stderr, MISS);
  t.same(await readFile(join(src, "hello.o")), firstObject, "the object from the cache is identical");
  const stats = JSON.parse(await readFile(join(dir, "stats.json"), "utf8"));
  t.match(stats, { actionCache: { hits: 1, misses: 0 } }, "the server counted the hit");
});

t.test("without the flag recc still builds, the refusal shows, and the action cache stays empty", async (t) => {
  const root = await sidRoot();
  const dir = t.testdir({ src: { "hello.c": HELLO_C }, cache: {} });
  const src = join(dir, "src");
  // Ask recc to upload anyway, so that the refusal of UpdateActionResult is exercised.
  const result = await runTool([
    ...inSidRoot(root, src),
    "--cache-dir", join(dir, "cache"),
    "--stats-json", join(dir, "stats.json"),
    "--setenv", "RECC_VERBOSE=1",
    "--setenv", "RECC_CACHE_UPLOAD_LOCAL_BUILD=1",
    "--", "recc", "gcc", "-c", "hello.c", "-o", "hello.o",
  ]);
  t.equal(result.exitCode, 0, "recc falls back to building locally");
  t.match(result.stderr, MISS);
  t.match(result.stderr, /UpdateActionResult.*refused by the bst-cas-run policy/, "recc logs the refusal");
  t.notMatch(result.stderr, UPDATED);
  const stats = JSON.parse(await readFile(join(dir, "stats.json"), "utf8"));
  t.match(stats, {
    refused: 1,
    methods: { "build.bazel.remote.execution.v2.ActionCache/UpdateActionResult": { refused: 1, errors: { PERMISSION_DENIED: 1 } } },
  });
  t.same(await readdir(join(dir, "cache", "ac"), { recursive: true }), [], "no action-cache entry was written");
  t.ok((await readFile(join(src, "hello.o"))).length > 0, "the object was built");
});
