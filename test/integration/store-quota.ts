// --cache-quota through the built CLI: least recently used blobs go, the store stays under quota, broken action results miss.
import { utimes } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";
import { blobPath, storeLayout } from "../../src/backend/local/store-layout.js";
import { runTool } from "../helpers/run-tool.js";
import { blobOf, digestOf, privateTestDir } from "../helpers/store-server.js";

const STORE_CLIENT = fileURLToPath(new URL("../fixtures/store-client.mjs", import.meta.url));
const SIZE = 100 * 1024;
const QUOTA = 1000 * 1024; // ten blobs
const ACTION = "a".repeat(64);

t.test("filling past --cache-quota evicts the least recently used and keeps the store under quota", async (t) => {
  const dir = privateTestDir(t);
  const cacheDir = join(dir, "cache");
  const layout = storeLayout(cacheDir);
  const { NODE_OPTIONS: _nodeOptions, BST_CAS_RUN_CACHE_QUOTA: _quota, ...env } = process.env;
  /** Runs the store client (one or more scenarios, `&&`-joined) under bst-cas-run; the JSON answers. */
  const client = async (toolArgs: string[], ...scenarios: string[][]) => {
    const script = scenarios.map((args) => [process.execPath, STORE_CLIENT, ...args].map((word) => `'${word}'`).join(" ")).join(" && ");
    const result = await runTool(["--sandbox", "none", "--cache-dir", cacheDir, ...toolArgs, "--", "sh", "-c", script], { env, cwd: dir });
    t.equal(result.exitCode, 0, `runs: ${String(result.stderr).slice(0, 300)}`);
    return String(result.stdout).trim().split("\n").map((line) => JSON.parse(line) as { codes?: string[]; code?: string });
  };
  const stats = async () => {
    const result = await runTool(["store", "stats", "--json", "--cache-dir", cacheDir], { env, cwd: dir });
    return JSON.parse(String(result.stdout)) as { blobs: { count: number; bytes: number } };
  };
  const age = async (prefix: string, count: number, secondsAgo: number) => {
    const when = Date.now() / 1000 - secondsAgo;
    for (let i = 0; i < count; i++) await utimes(blobPath(layout, digestOf(blobOf(SIZE, `${prefix}-${i}`))), when, when);
  };
  const held = async (prefix: string, count: number) => {
    const answer = await client([], ["read", prefix, String(SIZE), ...Array.from({ length: count }, (_, i) => String(i))]);
    return answer[0]?.codes?.map((code) => code === "OK");
  };

  // Run 1 stores A0..A3 and an action result whose outputs are A0..A3; run 2 stores B0..B3.
  t.match(await client(["--action-cache-enable-update"], ["upload", "A", "4", String(SIZE)], ["ac-update", ACTION, "A", "4", String(SIZE)]),
    [{ codes: ["OK", "OK", "OK", "OK"] }, { code: "OK" }]);
  t.match(await client([], ["upload", "B", "4", String(SIZE)]), [{ codes: ["OK", "OK", "OK", "OK"] }]);
  t.match(await client([], ["ac-get", ACTION]), [{ code: "OK" }], "the action result is a hit while its blobs are there");
  // A was last used two hours ago, B one hour ago (a hit, as above, counts as a use: so age them after it).
  await age("A", 4, 2 * 3600);
  await age("B", 4, 3600);

  // Run 3, under a quota of ten blobs: reads B0, then stores C0..C3 (eight blobs held, twelve wanted).
  t.match(await client(["--cache-quota", String(QUOTA)], ["read", "B", String(SIZE), "0"], ["upload", "C", "4", String(SIZE)]),
    [{ codes: ["OK"] }, { codes: ["OK", "OK", "OK", "OK"] }], "every upload is taken");
  const after = await stats();
  t.ok(after.blobs.bytes <= QUOTA, `the store holds ${after.blobs.bytes} bytes, at most the quota ${QUOTA}`);
  t.equal(after.blobs.count, 10);
  const a = await held("A", 4);
  t.equal(a?.filter((kept) => !kept).length, 2, "two of the A blobs (least recently used) were evicted");
  t.strictSame(await held("B", 4), [true, true, true, true], "B (used more recently) is kept");
  t.strictSame(await held("C", 4), [true, true, true, true]);
  t.match(await client([], ["ac-get", ACTION]), [{ code: /^NOT_FOUND/ }], "the action result whose outputs were evicted misses");

  // A blob larger than the quota (set through the variable) is RESOURCE_EXHAUSTED; nothing else is lost.
  const tiny = await runTool(["--sandbox", "none", "--cache-dir", cacheDir, "--", process.execPath, STORE_CLIENT, "upload", "D", "1", String(SIZE)],
    { env: { ...env, BST_CAS_RUN_CACHE_QUOTA: "50K" }, cwd: dir });
  t.match(JSON.parse(String(tiny.stdout)), { codes: [/^RESOURCE_EXHAUSTED/] });
  t.equal((await stats()).blobs.count, 10, "nothing was evicted for it");

  // store gc brings the store down to 90% of a smaller quota.
  const gc = await runTool(["store", "gc", "--cache-dir", cacheDir, "--cache-quota", "500K"], { env, cwd: dir });
  t.equal(gc.exitCode, 0);
  t.match(String(gc.stdout), /evicted 6 blobs \(614400 bytes\); 4 blobs \(409600 bytes\) remain/);
  t.ok((await stats()).blobs.bytes <= 0.9 * 500 * 1024);
});
