// Tests for src/backend/local/store-quota.ts and blob-eviction.ts: the quota holds, LRU order, protected blobs, RESOURCE_EXHAUSTED.
import { createHash } from "node:crypto";
import { readdir, utimes } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { planEviction, removeBlobs } from "../../../src/backend/local/blob-eviction.js";
import { openLocalStore } from "../../../src/backend/local/local-store.js";
import { scanBlobs, StoreQuota } from "../../../src/backend/local/store-quota.js";
import { blobPath, storeLayout } from "../../../src/backend/local/store-layout.js";
import type { BlobFile } from "../../../src/backend/local/store-scan.js";
import { ActionResultSchema } from "../../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import type { BlobDigest } from "../../../src/policy/digest.js";

const signal = new AbortController().signal;
const digestOf = (data: Uint8Array): BlobDigest => ({ hash: createHash("sha256").update(data).digest("hex"), sizeBytes: data.byteLength });
/** Blob `i`: 100 distinct bytes. */
const blob = (i: number): Buffer => Buffer.from(`blob ${String(i).padStart(4, "0")} `.repeat(10));
const codeOf = (work: Promise<unknown>): Promise<Code | string> =>
  work.then(() => "resolved", (error: unknown) => (error instanceof ConnectError ? error.code : String(error)));
const nothingProtected = { isProtected: () => false };
const usedBytes = async (root: string): Promise<number> => (await scanBlobs(storeLayout(root))).bytes;

/** A store in `root` holding blobs 0..count-1, blob i last used i seconds after blob 0, all long ago. */
async function agedStore(root: string, count: number): Promise<void> {
  const store = await openLocalStore(root);
  const start = Date.now() / 1000 - 10_000;
  for (let i = 0; i < count; i++) {
    await store.writeBlob(digestOf(blob(i)), [blob(i)], signal);
    await utimes(blobPath(store.layout, digestOf(blob(i))), start + i, start + i);
  }
  await store.close();
}

async function present(root: string, count: number): Promise<number[]> {
  const store = await openLocalStore(root);
  const found: number[] = [];
  for (let i = 0; i < count; i++) {
    if ((await store.findMissingBlobs([digestOf(blob(i))], signal)).length === 0) found.push(i);
  }
  return found;
}

t.test("planEviction: oldest first, protected skipped, fits says whether the target is reached", async (t) => {
  const file = (name: string, size: number, mtimeMs: number): BlobFile => ({ path: `/x/${name}`, name, hash: name, size, mtimeMs });
  const blobs = [file("c", 10, 3), file("a", 10, 1), file("b", 10, 2), file("d", 10, 4)];
  const names = (plan: ReturnType<typeof planEviction>) => plan.victims.map((victim) => victim.name);
  t.strictSame(names(planEviction(blobs, nothingProtected, 40)), [], "already under the target");
  t.strictSame(names(planEviction(blobs, nothingProtected, 25)), ["a", "b"]);
  t.strictSame(names(planEviction(blobs, { isProtected: (hash) => hash === "a" }, 25)), ["b", "c"], "a protected blob is skipped");
  const impossible = planEviction(blobs, { isProtected: (hash) => hash !== "d" }, 5);
  t.strictSame([names(impossible), impossible.fits, impossible.remainingBytes], [["d"], false, 30], "not enough to evict");
  t.strictSame(names(planEviction([file("y", 5, 1), file("x", 5, 1)], nothingProtected, 5)), ["x"], "ties by name");
  t.strictSame(names(planEviction([{ ...file("z", 50, 0), hash: undefined }], nothingProtected, 0)), [], "non-blob files are never evicted");
});

t.test("removeBlobs keeps a blob protected after the plan was made, and tells the store while it removes one", async (t) => {
  const dir = t.testdir({ a: "aaaa", b: "bbbb" });
  const victim = (name: string) => ({ path: join(dir, name), name, hash: name, size: 4, mtimeMs: 0 });
  const protectedNow = new Set<string>();
  const told: string[] = [];
  const freed = await removeBlobs([victim("a"), victim("b")], {
    isProtected: (hash) => protectedNow.has(hash),
    removing: (hash, underWay) => {
      told.push(`${hash} ${underWay ? "removing" : "done"}`);
      protectedNow.add("b"); // a client finds b while a is being removed
    },
  });
  t.equal(freed, 4);
  t.strictSame(told, ["a removing", "a done"]);
  t.equal(existsSync(join(dir, "a")), false);
  t.equal(existsSync(join(dir, "b")), true, "b was found meanwhile: kept");
});

t.test("the open scan counts what is there; writes are accounted", async (t) => {
  const root = join(t.testdir(), "store");
  await agedStore(root, 5);
  const store = await openLocalStore(root, { quotaBytes: 10_000 });
  t.equal(store.quota?.usedBytes, 500);
  await store.writeBlob(digestOf(blob(7)), [blob(7)], signal);
  await store.writeBlob(digestOf(blob(7)), [blob(7)], signal);
  t.equal(store.quota?.usedBytes, 600, "a duplicate write adds nothing");
  t.equal(await codeOf(store.writeBlob(digestOf(blob(8)), [blob(9)], signal)), Code.InvalidArgument);
  t.equal(store.quota?.usedBytes, 600, "a refused write adds nothing");
});

t.test("filling past the quota evicts the least recently used down to 90%", async (t) => {
  const root = join(t.testdir(), "store");
  await agedStore(root, 10);
  // A later run uses blob 2: its mtime moves to now, so it is the most recently used.
  const reader = await openLocalStore(root, { touchIntervalMs: 0 });
  t.equal((await reader.findMissingBlobs([digestOf(blob(2))], signal)).length, 0);
  await reader.close();

  const store = await openLocalStore(root, { quotaBytes: 1000, touchIntervalMs: 0 });
  for (let i = 10; i < 13; i++) {
    await store.writeBlob(digestOf(blob(i)), [blob(i)], signal);
    t.ok((await usedBytes(root)) <= 1000, `under the quota after blob ${i}`);
  }
  // Blob 10: 1100 > 1000, evict down to 900 - 100: blobs 0 and 1. Blob 11 fits (1000). Blob 12: evict
  // 3 and 4 (2 was used since, so it is newer than they are).
  t.strictSame(await present(root, 13), [2, 5, 6, 7, 8, 9, 10, 11, 12]);
  t.equal(await usedBytes(root), 900);
  t.equal(store.quota?.usedBytes, 900, "the running total matches the disk");
});

t.test("blobs this run read or wrote are not evicted under it", async (t) => {
  const root = join(t.testdir(), "store");
  await agedStore(root, 10);
  const store = await openLocalStore(root, { quotaBytes: 1000 });
  // Read the two oldest through the store: protected from now on.
  for (const i of [0, 1]) for await (const _ of store.readBlob(digestOf(blob(i)), { signal }));
  await store.writeBlob(digestOf(blob(10)), [blob(10)], signal);
  t.strictSame(await present(root, 11), [0, 1, 4, 5, 6, 7, 8, 9, 10], "2 and 3 went instead of 0 and 1");
});

t.test("a store that cannot make room answers RESOURCE_EXHAUSTED and loses nothing", async (t) => {
  const root = join(t.testdir(), "store");
  const store = await openLocalStore(root, { quotaBytes: 1000 });
  for (let i = 0; i < 9; i++) await store.writeBlob(digestOf(blob(i)), [blob(i)], signal);
  const big = Buffer.alloc(200, 1);
  const error = await store.writeBlob(digestOf(big), [big], signal).then(() => undefined, (e: unknown) => e);
  t.equal(error instanceof ConnectError && error.code, Code.ResourceExhausted);
  t.match(error instanceof ConnectError ? error.rawMessage : "", /the cache is full/);
  t.strictSame(await present(root, 9), [0, 1, 2, 3, 4, 5, 6, 7, 8], "every blob kept");
  t.strictSame(await readdir(store.layout.tmpDir), [], "no temp file left");
  const huge = Buffer.alloc(1001);
  t.equal(await codeOf(store.writeBlob(digestOf(huge), [huge], signal)), Code.ResourceExhausted, "a blob larger than the quota");
  await store.writeBlob(digestOf(blob(9)), [blob(9)], signal);
  t.pass("a blob that fits is still taken");
});

t.test("with protectUsedForMs (serve), a use protects a blob for that long only: a full store takes new blobs again", async (t) => {
  const root = join(t.testdir(), "store");
  const store = await openLocalStore(root, { quotaBytes: 1000, protectUsedForMs: 200 });
  for (let i = 0; i < 10; i++) await store.writeBlob(digestOf(blob(i)), [blob(i)], signal);
  t.equal(await codeOf(store.writeBlob(digestOf(blob(10)), [blob(10)], signal)), Code.ResourceExhausted, "every blob used within the window: full");
  await new Promise((resolve) => setTimeout(resolve, 400));
  t.equal(await codeOf(store.writeBlob(digestOf(blob(10)), [blob(10)], signal)), "resolved", "the window has passed: room is made");
  t.equal((await present(root, 11)).includes(10), true);
  t.ok(await usedBytes(root) <= 1000, "within the quota");
});

t.test("concurrent writes reserve room first: never over the quota", async (t) => {
  const root = join(t.testdir(), "store");
  const store = await openLocalStore(root, { quotaBytes: 1000 });
  const results = await Promise.all(Array.from({ length: 30 }, (_, i) => codeOf(store.writeBlob(digestOf(blob(i)), [blob(i)], signal))));
  t.equal(results.filter((code) => code === "resolved").length, 10, "ten fit");
  t.equal(results.filter((code) => code === Code.ResourceExhausted).length, 20, "the rest are RESOURCE_EXHAUSTED");
  t.equal(await usedBytes(root), 1000);
});

t.test("an action result whose blobs were evicted answers NOT_FOUND", async (t) => {
  const root = join(t.testdir(), "store");
  await agedStore(root, 10);
  const action = digestOf(Buffer.from("action"));
  const writer = await openLocalStore(root);
  const result = create(ActionResultSchema, { stdoutDigest: { hash: digestOf(blob(0)).hash, sizeBytes: 100n } });
  await writer.updateActionResult(action, result, signal);
  await utimes(blobPath(writer.layout, digestOf(blob(0))), 1, 1);
  await writer.close();
  const store = await openLocalStore(root, { quotaBytes: 1000 });
  await store.writeBlob(digestOf(blob(10)), [blob(10)], signal);
  t.equal(await store.getActionResult(action, signal), undefined);
});

t.test("enforce (store gc) evicts to the low watermark only when over the quota", async (t) => {
  const root = join(t.testdir(), "store");
  await agedStore(root, 10);
  const quota = await StoreQuota.open(storeLayout(root), 2000);
  t.strictSame(await quota.enforce(nothingProtected), { blobs: 0, bytes: 0 }, "under the quota: nothing");
  const tight = await StoreQuota.open(storeLayout(root), 500);
  t.equal(tight.lowWatermarkBytes, 450);
  t.strictSame(await tight.enforce(nothingProtected), { blobs: 6, bytes: 600 });
  t.strictSame(await present(root, 10), [6, 7, 8, 9]);
});
