// Tests for src/backend/local/store-stats.ts, store-verify.ts and store-gc.ts: counting, checking and cleaning a store.
import { createHash } from "node:crypto";
import { chmod, mkdir, readdir, utimes, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import t from "tap";
import { create } from "@bufbuild/protobuf";
import { openLocalStore, type LocalStore } from "../../../src/backend/local/local-store.js";
import { collectGarbage } from "../../../src/backend/local/store-gc.js";
import { storeStats } from "../../../src/backend/local/store-stats.js";
import { verifyStore, type Damage } from "../../../src/backend/local/store-verify.js";
import { actionResultPath, blobPath } from "../../../src/backend/local/store-layout.js";
import { ActionResultSchema } from "../../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import type { BlobDigest } from "../../../src/policy/digest.js";

const signal = new AbortController().signal;
const digestOf = (data: Uint8Array): BlobDigest => ({ hash: createHash("sha256").update(data).digest("hex"), sizeBytes: data.byteLength });
const A = Buffer.from("blob a"), B = Buffer.from("blob b, longer"), BIG = Buffer.alloc(3 * 1024 * 1024 + 5, 7);
const ACTION = digestOf(Buffer.from("an action"));

/** A store with blobs A, B, BIG and one action result pointing at A. */
async function populated(dir: string): Promise<LocalStore> {
  const store = await openLocalStore(join(dir, "store"));
  for (const data of [A, B, BIG]) await store.writeBlob(digestOf(data), [data], signal);
  await store.updateActionResult(ACTION, create(ActionResultSchema, { stdoutDigest: { hash: digestOf(A).hash, sizeBytes: BigInt(A.length) } }), signal);
  return store;
}

/** Overwrites a stored blob in place (as a disk fault would). */
async function damage(path: string, data: string): Promise<void> {
  await chmod(path, 0o644);
  await writeFile(path, data);
}

t.test("storeStats counts blobs, action results, temp files and partial uploads", async (t) => {
  const store = await populated(t.testdir());
  await writeFile(join(store.layout.tmpDir, `x.${process.pid}.0123456789ab.tmp`), "123");
  await writeFile(join(store.layout.tmpDir, `upload-${"0".repeat(64)}.partial`), "12345");
  await mkdir(join(store.layout.casDir, "zz"), { recursive: true });
  await writeFile(join(store.layout.casDir, "zz", "stray"), "not a blob");
  const stats = await storeStats(store.layout);
  t.strictSame(stats.blobs, { count: 3, bytes: A.length + B.length + BIG.length }, "stray files are not blobs");
  t.equal(stats.actionResults.count, 1);
  t.ok(stats.actionResults.bytes > 0);
  t.strictSame(stats.tempFiles, { count: 1, bytes: 3 });
  t.strictSame(stats.partialUploads, { count: 1, bytes: 5 });
});

t.test("verifyStore on a sound store finds nothing and removes nothing", async (t) => {
  const store = await populated(t.testdir());
  const report = await verifyStore(store.layout);
  t.strictSame(report, { blobsChecked: 3, bytesChecked: A.length + B.length + BIG.length, actionResultsChecked: 1, badBlobs: [], badActionResults: [] });
  t.equal((await storeStats(store.layout)).blobs.count, 3);
});

t.test("verifyStore reports and removes damaged blobs, stray files and bad action results", async (t) => {
  const store = await populated(t.testdir());
  await damage(blobPath(store.layout, digestOf(B)), "blob B, changed");
  await damage(blobPath(store.layout, digestOf(BIG)), "truncated");
  const misplaced = join(store.layout.casDir, "00", digestOf(A).hash);
  await mkdir(dirname(misplaced), { recursive: true });
  await writeFile(misplaced, A);
  const badAc = actionResultPath(store.layout, digestOf(Buffer.from("other action")));
  await mkdir(dirname(badAc), { recursive: true });
  await writeFile(badAc, Buffer.from([0x0a, 0xff, 0xff]));
  const seen: Damage[] = [];
  const report = await verifyStore(store.layout, (d) => seen.push(d));
  t.strictSame(report.badBlobs.map((d) => d.path).sort(), [blobPath(store.layout, digestOf(B)), blobPath(store.layout, digestOf(BIG)), misplaced].sort());
  t.match(report.badBlobs.find((d) => d.path === blobPath(store.layout, digestOf(B)))?.why, /^content hashes to [0-9a-f]{64}$/);
  t.strictSame(report.badActionResults.map((d) => d.path), [badAc]);
  t.match(report.badActionResults[0]?.why, /not a valid ActionResult/);
  t.equal(seen.length, 4, "each told as found");
  t.equal(report.blobsChecked, 3, "A, B and BIG were hashed");
  t.equal(await store.hasBlob(digestOf(B)), false, "the damaged blob is gone");
  t.equal(await store.hasBlob(digestOf(A)), true, "the sound one stays");
  t.equal(await store.getActionResult(ACTION, signal) !== undefined, true, "the sound action result stays");
  const again = await verifyStore(store.layout);
  t.strictSame([again.badBlobs, again.badActionResults], [[], []], "clean afterwards");
});

t.test("collectGarbage removes stale temp files and evicts to the quota", async (t) => {
  const store = await populated(t.testdir());
  const stale = join(store.layout.tmpDir, `${"a".repeat(64)}.999999999.0123456789ab.tmp`);
  const recent = join(store.layout.tmpDir, `${"b".repeat(64)}.999999999.0123456789ab.tmp`);
  await writeFile(stale, "1234");
  await writeFile(recent, "1234");
  await utimes(stale, 1000, 1000);
  // BIG is the least recently used.
  await utimes(blobPath(store.layout, digestOf(BIG)), 2000, 2000);
  t.strictSame(await collectGarbage(store.layout), {
    tempFilesRemoved: 1, tempBytesRemoved: 4, blobsEvicted: 0, bytesEvicted: 0, blobs: 3, blobBytes: A.length + B.length + BIG.length,
  }, "without a quota only temp files go");
  t.strictSame(await readdir(store.layout.tmpDir), [recent.split("/").pop()]);
  t.strictSame(await collectGarbage(store.layout, { quotaBytes: 1024 * 1024 }), {
    tempFilesRemoved: 0, tempBytesRemoved: 0, blobsEvicted: 1, bytesEvicted: BIG.length, blobs: 2, blobBytes: A.length + B.length,
  });
});
