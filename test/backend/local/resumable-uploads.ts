// Tests for src/backend/local/resumable-uploads.ts through LocalStore.writeUpload/queryUpload: partial uploads kept, resumed, checked.
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import t from "tap";
import { Code, ConnectError } from "@connectrpc/connect";
import { openLocalStore } from "../../../src/backend/local/local-store.js";
import { supportsResumableUploads } from "../../../src/backend/local/resumable-uploads.js";
import { blobPath } from "../../../src/backend/local/store-layout.js";
import { uploadPath } from "../../../src/backend/local/temp-names.js";
import type { BlobDigest } from "../../../src/policy/digest.js";

const signal = new AbortController().signal;
const digestOf = (data: Uint8Array): BlobDigest => ({ hash: createHash("sha256").update(data).digest("hex"), sizeBytes: data.byteLength });
const DATA = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff));
const DIGEST = digestOf(DATA);
const NAME = `uploads/u-1/blobs/${DIGEST.hash}/${DIGEST.sizeBytes}`;
const codeOf = (work: Promise<unknown>): Promise<Code | string> =>
  work.then(() => "resolved", (error: unknown) => (error instanceof ConnectError ? error.code : String(error)));

/** Yields `parts`, then fails as a broken connection would. */
async function* breaksAfter(...parts: Buffer[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield part;
  throw new ConnectError("the client went away", Code.Canceled);
}

t.test("LocalStore offers resumable uploads", async (t) => {
  t.equal(supportsResumableUploads(await openLocalStore(join(t.testdir(), "s"))), true);
});

t.test("a broken upload keeps its bytes; QueryWriteStatus tells them; the rest completes it", async (t) => {
  const store = await openLocalStore(join(t.testdir(), "s"));
  t.strictSame(await store.queryUpload(NAME, DIGEST), { committedSize: 0, complete: false }, "unknown upload: nothing yet");
  t.equal(await codeOf(store.writeUpload(NAME, DIGEST, 0, breaksAfter(DATA.subarray(0, 1000), DATA.subarray(1000, 1200)), signal)), Code.Canceled);
  t.strictSame(await store.queryUpload(NAME, DIGEST), { committedSize: 1200, complete: false });
  t.strictSame(await readdir(store.layout.tmpDir), [basename(uploadPath(store.layout, NAME))], "the bytes are kept under the upload's name, and nothing else");
  t.equal(await store.hasBlob(DIGEST), false, "nothing visible yet");
  t.equal(await codeOf(store.writeUpload(NAME, DIGEST, 1100, [DATA.subarray(1100)], signal)), Code.InvalidArgument, "another offset is refused");
  t.strictSame(await store.queryUpload(NAME, DIGEST), { committedSize: 1200, complete: false }, "and loses nothing");
  t.strictSame(await store.writeUpload(NAME, DIGEST, 1200, [DATA.subarray(1200, 2000), DATA.subarray(2000)], signal), { committedSize: 3000, complete: true });
  t.ok((await readFile(blobPath(store.layout, DIGEST))).equals(DATA), "the blob is whole");
  t.strictSame(await readdir(store.layout.tmpDir), [], "the partial file became the blob");
  t.strictSame(await store.queryUpload(NAME, DIGEST), { committedSize: 3000, complete: true });
});

t.test("a partial upload survives the process: another store on the directory resumes it", async (t) => {
  const root = join(t.testdir(), "s");
  const first = await openLocalStore(root);
  await codeOf(first.writeUpload(NAME, DIGEST, 0, breaksAfter(DATA.subarray(0, 500)), signal));
  const second = await openLocalStore(root);
  t.strictSame(await second.queryUpload(NAME, DIGEST), { committedSize: 500, complete: false });
  await second.writeUpload(NAME, DIGEST, 500, [DATA.subarray(500)], signal);
  t.equal(await second.hasBlob(DIGEST), true);
});

t.test("a Write left hanging cannot change the blob another Write of the same upload finished", async (t) => {
  // Two processes on one store, one upload name: the first Write stalls, the second completes
  // the blob, then the first sends bytes of its own. They must never reach the stored blob.
  const root = join(t.testdir(), "s");
  const first = await openLocalStore(root);
  const second = await openLocalStore(root);
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const hanging = first.writeUpload(
    NAME,
    DIGEST,
    0,
    (async function* () {
      yield DATA.subarray(0, 1000);
      await released;
      yield Buffer.alloc(2000, 0x55);
    })(),
    signal,
  );
  await new Promise((resolve) => setTimeout(resolve, 30));
  const { committedSize } = await second.queryUpload(NAME, DIGEST);
  t.strictSame(
    await second.writeUpload(NAME, DIGEST, committedSize, [DATA.subarray(committedSize)], signal),
    { committedSize: 3000, complete: true },
  );
  release();
  t.equal(await codeOf(hanging), Code.InvalidArgument, "the hanging Write's bytes are checked as its own, and refused");
  t.ok((await readFile(blobPath(second.layout, DIGEST))).equals(DATA), "the stored blob is untouched");
  t.strictSame(await readdir(second.layout.tmpDir), [], "and nothing is left in tmp/");
});

t.test("offset 0 starts over", async (t) => {
  const store = await openLocalStore(join(t.testdir(), "s"));
  await codeOf(store.writeUpload(NAME, DIGEST, 0, breaksAfter(Buffer.from("wrong bytes that will be dropped")), signal));
  t.strictSame(await store.writeUpload(NAME, DIGEST, 0, [DATA], signal), { committedSize: 3000, complete: true });
  t.ok((await readFile(blobPath(store.layout, DIGEST))).equals(DATA));
});

t.test("data proven wrong is INVALID_ARGUMENT and discarded", async (t) => {
  const cases: Array<[string, Buffer[]]> = [
    ["wrong hash at the end", [DATA.subarray(0, 2999), Buffer.from([0])]],
    ["too many bytes", [DATA, Buffer.from([1])]],
    ["too few bytes", [DATA.subarray(0, 10)]],
  ];
  for (const [name, chunks] of cases) {
    t.test(name, async (t) => {
      const store = await openLocalStore(join(t.testdir(), "s"));
      t.equal(await codeOf(store.writeUpload(NAME, DIGEST, 0, chunks, signal)), Code.InvalidArgument);
      t.strictSame(await readdir(store.layout.tmpDir), [], "the partial file is gone");
      t.equal(await store.hasBlob(DIGEST), false);
      t.strictSame(await store.queryUpload(NAME, DIGEST), { committedSize: 0, complete: false });
    });
  }
});

t.test("an upload of a blob already stored completes at once", async (t) => {
  const store = await openLocalStore(join(t.testdir(), "s"));
  await store.writeBlob(DIGEST, [DATA], signal);
  let pulled = false;
  const chunks = (async function* () {
    pulled = true;
    yield DATA;
  })();
  t.strictSame(await store.writeUpload(NAME, DIGEST, 0, chunks, signal), { committedSize: 3000, complete: true });
  t.equal(pulled, false, "without reading the data");
});

t.test("concurrent uploads of one blob under different names: one write, all complete", async (t) => {
  const store = await openLocalStore(join(t.testdir(), "s"));
  const slow = async function* (): AsyncGenerator<Uint8Array> {
    yield DATA.subarray(0, 1500);
    await new Promise((resolve) => setTimeout(resolve, 30));
    yield DATA.subarray(1500);
  };
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.writeUpload(`uploads/u-${i}/blobs/${DIGEST.hash}/3000`, DIGEST, 0, slow(), signal)));
  t.strictSame(results, Array(8).fill({ committedSize: 3000, complete: true }));
  t.strictSame(await readdir(store.layout.tmpDir), [], "no partial file left behind");
  t.equal(uploadPath(store.layout, "a") !== uploadPath(store.layout, "b"), true);
});

t.test("uploads count against the quota", async (t) => {
  const store = await openLocalStore(join(t.testdir(), "s"), { quotaBytes: 2000 });
  t.equal(await codeOf(store.writeUpload(NAME, DIGEST, 0, [DATA], signal)), Code.ResourceExhausted);
  t.equal(store.quota?.usedBytes, 0);
});

t.test("under a quota, broken uploads are kept only while all kept fit in a tenth of it", async (t) => {
  const store = await openLocalStore(join(t.testdir(), "s"), { quotaBytes: 30_000 });
  const blob = (seed: number) => Buffer.from(Array.from({ length: 20_000 }, (_, i) => (i * seed + 1) & 0xff));
  const [a, b] = [blob(3), blob(5)];
  const [digestA, digestB] = [digestOf(a), digestOf(b)];
  const [nameA, nameB] = [`uploads/a/blobs/${digestA.hash}/20000`, `uploads/b/blobs/${digestB.hash}/20000`];
  const kept = async () => (await readdir(store.layout.tmpDir)).sort();

  await codeOf(store.writeUpload(nameA, digestA, 0, breaksAfter(a.subarray(0, 2000)), signal));
  t.equal((await store.queryUpload(nameA, digestA)).committedSize, 2000, "2,000 bytes fit in the 3,000 allowed: kept");
  await codeOf(store.writeUpload(nameB, digestB, 0, breaksAfter(b.subarray(0, 1500)), signal));
  t.equal((await store.queryUpload(nameB, digestB)).committedSize, 0, "1,500 more would not: dropped, the upload starts again at 0");
  t.strictSame(await kept(), [basename(uploadPath(store.layout, nameA))], "only the first upload's bytes are in tmp/");

  await codeOf(store.writeUpload(nameA, digestA, 2000, breaksAfter(a.subarray(2000, 2800)), signal));
  t.equal((await store.queryUpload(nameA, digestA)).committedSize, 2800, "an upload's new bytes replace its own kept ones: 2,800 fit");
  await codeOf(store.writeUpload(nameA, digestA, 2800, breaksAfter(a.subarray(2800, 3300)), signal));
  t.equal((await store.queryUpload(nameA, digestA)).committedSize, 2800, "3,300 would not: what was kept before stays, to resume from");
  await codeOf(store.writeUpload(nameB, digestB, 0, breaksAfter(b.subarray(0, 200)), signal));
  t.equal((await store.queryUpload(nameB, digestB)).committedSize, 200, "200 beside 2,800 fit");

  t.strictSame(await store.writeUpload(nameA, digestA, 2800, [a.subarray(2800)], signal), { committedSize: 20_000, complete: true }, "resumed, it completes");
  t.ok((await readFile(blobPath(store.layout, digestA))).equals(a), "whole");
  t.strictSame(await kept(), [basename(uploadPath(store.layout, nameB))], "and its kept bytes are gone, no temp file left");
});
