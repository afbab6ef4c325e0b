// Tests for src/backend/local/local-store.ts (with store-layout, atomic-file, verified-writer): blobs and action results on disk.
import { createHash } from "node:crypto";
import { readdir, readFile, rm, stat, utimes } from "node:fs/promises";
import { join } from "node:path";
import t from "tap";
import { create, equals, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { BlobChunks } from "../../../src/backend/backend.js";
import type { BlobChunk } from "../../../src/backend/blob-chunk.js";
import { openLocalStore, type LocalStore } from "../../../src/backend/local/local-store.js";
import { blobPath } from "../../../src/backend/local/store-layout.js";
import { EMPTY_BLOB_DIGEST, type BlobDigest } from "../../../src/policy/digest.js";
import { ActionResultSchema, TreeSchema } from "../../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";

const signal = new AbortController().signal;
const digestOf = (data: Uint8Array): BlobDigest => ({ hash: createHash("sha256").update(data).digest("hex"), sizeBytes: data.byteLength });
const wire = (d: BlobDigest) => ({ hash: d.hash, sizeBytes: BigInt(d.sizeBytes) });
const HELLO = Buffer.from("hello world");
const MISSING = digestOf(Buffer.from("never stored"));

/** A one-shot async iterable, as a gRPC request stream is. */
async function* oneShot(chunks: readonly BlobChunk[]): AsyncGenerator<BlobChunk> {
  for (const chunk of chunks) yield await new Promise<BlobChunk>((resolve) => setImmediate(resolve, chunk));
}
async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}
/** What `work` rejects with; an Error "did not fail" when it resolves. */
const failure = (work: Promise<unknown>): Promise<unknown> => work.then(() => new Error("did not fail"), (e: unknown) => e);
const codeOf = async (work: Promise<unknown>): Promise<Code | string> => {
  const error = await failure(work);
  return error instanceof ConnectError ? error.code : String(error);
};
/** Every non-directory under `dir`, as absolute paths. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => !e.isDirectory()).map((e) => join(e.parentPath ?? e.path, e.name)).sort();
}
/** A new store in `dir` (pass `t.testdir()`, which is per test). */
const fresh = (dir: string): Promise<LocalStore> => openLocalStore(join(dir, "store"));

t.test("openLocalStore creates cas/, ac/ and tmp/ (0700) and reopens", async (t) => {
  const root = join(t.testdir(), "store");
  const store = await openLocalStore(root);
  for (const dir of ["cas", "ac", "tmp"]) {
    const info = await stat(join(root, dir));
    t.equal(info.isDirectory() && info.mode & 0o777, 0o700, `${dir}/ is a directory, mode 0700`);
  }
  await store.writeBlob(digestOf(HELLO), [HELLO], signal);
  t.equal(await (await openLocalStore(root)).hasBlob(digestOf(HELLO)), true, "a reopened store sees earlier blobs");
});

t.test("write then read round trips", async (t) => {
  const big = Buffer.alloc(3 * 1024 * 1024 + 17);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
  const cases: Array<{ name: string; data: Buffer; chunks: () => BlobChunks }> = [
    { name: "one array chunk", data: HELLO, chunks: () => [HELLO] },
    { name: "a chunk of several buffers (a message as it arrived)", data: HELLO, chunks: () => oneShot([[HELLO.subarray(0, 2), HELLO.subarray(2, 2), HELLO.subarray(2)]]) },
    { name: "3 MiB in chunks of 16 KiB buffers", data: big, chunks: () => oneShot([0, 1, 2, 3].map((i) => Array.from({ length: 64 }, (_, j) => big.subarray((i << 20) + (j << 14), Math.min(big.length, (i << 20) + ((j + 1) << 14)))))) },
    { name: "many async chunks, one empty", data: HELLO, chunks: () => oneShot([HELLO.subarray(0, 3), HELLO.subarray(3, 3), HELLO.subarray(3)]) },
    { name: "one byte per chunk", data: HELLO, chunks: () => oneShot([...HELLO].map((b) => Uint8Array.of(b))) },
    { name: "3 MiB in 1 MiB chunks", data: big, chunks: () => oneShot([0, 1, 2, 3].map((i) => big.subarray(i << 20, (i + 1) << 20))) },
  ];
  for (const c of cases) {
    t.test(c.name, async (t) => {
      const store = await fresh(t.testdir());
      const digest = digestOf(c.data);
      await store.writeBlob(digest, c.chunks(), signal);
      t.ok((await readFile(blobPath(store.layout, digest))).equals(c.data), "file holds the bytes");
      t.ok((await collect(store.readBlob(digest, { signal }))).equals(c.data), "readBlob returns them");
      t.strictSame(await filesUnder(store.layout.tmpDir), [], "tmp/ is empty");
    });
  }
});

t.test("readBlob offset and limit", async (t) => {
  const store = await fresh(t.testdir());
  const digest = digestOf(HELLO);
  await store.writeBlob(digest, [HELLO], signal);
  const cases: Array<[number | undefined, number | undefined, string]> = [
    [undefined, undefined, "hello world"], [0, 0, "hello world"], [6, undefined, "world"], [6, 3, "wor"],
    [0, 5, "hello"], [10, 100, "d"], [11, undefined, ""], [11, 5, ""], [3, 1, "l"], [0, -1, "hello world"],
  ];
  for (const [offset, limit, expected] of cases) {
    const options = { signal, ...(offset !== undefined ? { offset } : {}), ...(limit !== undefined ? { limit } : {}) };
    t.equal((await collect(store.readBlob(digest, options))).toString(), expected, `offset ${offset} limit ${limit}`);
  }
});

t.test("readBlob failures", async (t) => {
  const store = await fresh(t.testdir());
  await store.writeBlob(digestOf(HELLO), [HELLO], signal);
  const cases: Array<{ name: string; digest: BlobDigest; offset?: number; code: Code }> = [
    { name: "missing blob", digest: MISSING, code: Code.NotFound },
    { name: "missing blob, offset at its end", digest: MISSING, offset: MISSING.sizeBytes, code: Code.NotFound },
    { name: "size 0 but not the empty hash", digest: { hash: MISSING.hash, sizeBytes: 0 }, code: Code.NotFound },
    { name: "offset past the end", digest: digestOf(HELLO), offset: 12, code: Code.OutOfRange },
    { name: "offset past the end of the empty blob", digest: EMPTY_BLOB_DIGEST, offset: 1, code: Code.OutOfRange },
  ];
  for (const c of cases) {
    const options = { signal, ...(c.offset !== undefined ? { offset: c.offset } : {}) };
    t.equal(await codeOf(collect(store.readBlob(c.digest, options))), c.code, c.name);
  }
  t.equal((await collect(store.readBlob(EMPTY_BLOB_DIGEST, { signal }))).length, 0, "the empty blob reads as nothing");
});

t.test("readBlob of a stored hash under another size is NOT_FOUND, small or large", async (t) => {
  const store = await fresh(t.testdir());
  const large = Buffer.alloc(200 * 1024, 7);
  for (const data of [HELLO, large]) {
    const digest = digestOf(data);
    await store.writeBlob(digest, [data], signal);
    for (const sizeBytes of [digest.sizeBytes - 1, digest.sizeBytes + 1]) {
      t.equal(await codeOf(collect(store.readBlob({ hash: digest.hash, sizeBytes }, { signal }))), Code.NotFound, `${data.byteLength} bytes stored, ${sizeBytes} asked`);
    }
    t.ok((await collect(store.readBlob(digest, { signal }))).equals(data), "the right size still reads");
  }
});

t.test("reading a blob counts as a use: its mtime moves to now once stale", async (t) => {
  const store = await openLocalStore(join(t.testdir(), "store"), { touchIntervalMs: 60_000 });
  const large = Buffer.alloc(200 * 1024, 9);
  const longAgo = Date.now() / 1000 - 3600;
  for (const data of [HELLO, large]) {
    const digest = digestOf(data);
    await store.writeBlob(digest, [data], signal);
    const file = blobPath(store.layout, digest);
    await utimes(file, longAgo, longAgo);
    await collect(store.readBlob(digest, { signal, offset: 1, limit: 2 }));
    t.ok((await stat(file)).mtimeMs > Date.now() - 60_000, `${data.byteLength} bytes: read an hour after its last use, touched`);
    const touched = (await stat(file)).mtimeMs;
    await collect(store.readBlob(digest, { signal }));
    t.equal((await stat(file)).mtimeMs, touched, `${data.byteLength} bytes: read again within the interval, left alone`);
  }
});

t.test("hasBlob and findMissingBlobs", async (t) => {
  const store = await fresh(t.testdir());
  const a = digestOf(Buffer.from("a"));
  await store.writeBlob(a, [Buffer.from("a")], signal);
  t.equal(await store.hasBlob(EMPTY_BLOB_DIGEST), true, "empty blob present with no file");
  t.strictSame(await filesUnder(store.layout.casDir), [blobPath(store.layout, a)]);
  t.equal(await store.hasBlob(a), true);
  t.equal(await store.hasBlob({ hash: a.hash, sizeBytes: 2 }), false, "right hash, wrong size");
  t.equal(await store.hasBlob(MISSING), false);
  t.strictSame(await store.findMissingBlobs([], signal), []);
  t.strictSame(await store.findMissingBlobs([EMPTY_BLOB_DIGEST, a, MISSING, { hash: a.hash, sizeBytes: 9 }], signal), [
    MISSING, { hash: a.hash, sizeBytes: 9 },
  ]);
  await store.writeBlob(EMPTY_BLOB_DIGEST, [], signal);
  t.strictSame(await filesUnder(store.layout.casDir), [blobPath(store.layout, a)], "writing the empty blob stores no file");
});

t.test("mismatched data is refused with INVALID_ARGUMENT and leaves nothing", async (t) => {
  const digest = digestOf(HELLO);
  const cases: Array<{ name: string; chunks: () => BlobChunks; message: RegExp }> = [
    { name: "wrong hash", chunks: () => [Buffer.from("HELLO WORLD")], message: /data hashes to [0-9a-f]{64}/ },
    { name: "wrong hash, async", chunks: () => oneShot([Buffer.from("hello"), Buffer.from(" WORLD")]), message: /data hashes to/ },
    { name: "too short", chunks: () => [HELLO.subarray(0, 10)], message: /received 10 bytes, the digest says 11/ },
    { name: "no data", chunks: () => [], message: /received 0 bytes, the digest says 11/ },
    { name: "too long", chunks: () => [HELLO, Buffer.from("!")], message: /received more than 11 bytes/ },
    { name: "too long, one chunk", chunks: () => oneShot([Buffer.from("hello world!")]), message: /received more than 11 bytes/ },
    { name: "empty digest, some data", chunks: () => [Buffer.from("x")], message: /received 1 bytes, the digest says 0/ },
  ];
  for (const c of cases) {
    t.test(c.name, async (t) => {
      const store = await fresh(t.testdir());
      const target = c.name.startsWith("empty") ? EMPTY_BLOB_DIGEST : digest;
      const error = await failure(store.writeBlob(target, c.chunks(), signal));
      t.equal(error instanceof ConnectError && error.code, Code.InvalidArgument);
      t.match(error instanceof ConnectError ? error.rawMessage : "", c.message);
      t.strictSame(await filesUnder(store.layout.casDir), [], "nothing in cas/");
      t.strictSame(await filesUnder(store.layout.tmpDir), [], "nothing in tmp/");
      t.equal(await store.hasBlob(digest), false);
    });
  }
});

t.test("concurrent writes of one digest all succeed, one file remains", async (t) => {
  const store = await fresh(t.testdir());
  const digest = digestOf(HELLO);
  const writes = Array.from({ length: 10 }, (_, i) =>
    store.writeBlob(digest, i % 2 === 0 ? [HELLO] : oneShot([HELLO.subarray(0, 4), HELLO.subarray(4)]), signal));
  const results = await Promise.allSettled(writes);
  t.strictSame(results.map((r) => r.status), Array(10).fill("fulfilled"));
  t.strictSame(await filesUnder(store.layout.casDir), [blobPath(store.layout, digest)]);
  t.strictSame(await filesUnder(store.layout.tmpDir), []);
  t.ok((await readFile(blobPath(store.layout, digest))).equals(HELLO));
});

t.test("wrong data for an already-present digest is still refused", async (t) => {
  const store = await fresh(t.testdir());
  const digest = digestOf(HELLO);
  await store.writeBlob(digest, [HELLO], signal);
  for (const bad of [[Buffer.from("HELLO WORLD")], [HELLO.subarray(1)], [HELLO, HELLO], oneShot([Buffer.from("HELLO WORLD")])]) {
    t.equal(await codeOf(store.writeBlob(digest, bad, signal)), Code.InvalidArgument);
  }
  t.ok((await readFile(blobPath(store.layout, digest))).equals(HELLO), "the stored blob is untouched");
  await store.writeBlob(digest, oneShot([HELLO]), signal);
  t.pass("correct data for a present digest is accepted");
});

/** Chunks that send half of HELLO, call `started`, wait for `gate`, then send wrong bytes (a write bound to fail). */
async function* failingChunks(gate: Promise<void>, started: () => void): AsyncGenerator<Uint8Array> {
  yield HELLO.subarray(0, 5);
  started();
  await gate;
  yield Buffer.from("XXXXXX");
}

// A ByteStream upload can be read once: a write that waits on another must not have read it.
for (const [label, shape] of [
  ["re-iterable chunks", (c: Uint8Array[]) => c],
  ["one-shot async chunks", (c: Uint8Array[]) => oneShot(c)],
] as const) {
  t.test(`a correct write racing a failing write of the same digest succeeds (${label})`, async (t) => {
    const store = await fresh(t.testdir());
    const digest = digestOf(HELLO);
    let open!: () => void, started!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const isStarted = new Promise<void>((resolve) => (started = resolve));
    const bad = failure(store.writeBlob(digest, failingChunks(gate, started), signal));
    await isStarted;
    const good = failure(store.writeBlob(digest, shape([HELLO.subarray(0, 6), HELLO.subarray(6)]), signal));
    await new Promise((resolve) => setTimeout(resolve, 20));
    open();
    const badError = await bad, goodError = await good;
    t.equal(badError instanceof ConnectError && badError.code, Code.InvalidArgument, "the bad write fails");
    t.equal(goodError instanceof Error && goodError.message, "did not fail", `the good write succeeds (${String(goodError)})`);
    t.equal(await store.hasBlob(digest), true, "the blob is stored");
    t.strictSame(await filesUnder(store.layout.tmpDir), [], "nothing in tmp/");
  });
}

t.test("action cache", async (t) => {
  const out = Buffer.from("output file"), log = Buffer.from("stdout text"), inTree = Buffer.from("a file in the output tree");
  const tree = Buffer.from(toBinary(TreeSchema, create(TreeSchema, { root: { files: [{ name: "f", digest: wire(digestOf(inTree)) }] } })));
  const action = digestOf(Buffer.from("an action"));
  const setUp = async (dir: string): Promise<LocalStore> => {
    const store = await fresh(dir);
    for (const data of [out, log, tree, inTree]) await store.writeBlob(digestOf(data), [data], signal);
    return store;
  };
  const result = create(ActionResultSchema, {
    outputFiles: [{ path: "out/a.o", digest: wire(digestOf(out)), isExecutable: true }],
    outputDirectories: [{ path: "out/d", treeDigest: wire(digestOf(tree)) }],
    stdoutDigest: wire(digestOf(log)),
    stderrDigest: wire(EMPTY_BLOB_DIGEST),
    stderrRaw: Buffer.from("inline"),
    exitCode: 3,
  });

  t.equal(await (await fresh(t.testdir())).getActionResult(action, signal), undefined, "a miss is undefined");

  const danglingCases: Array<[string, Parameters<typeof create<typeof ActionResultSchema>>[1]]> = [
    ["output file", { outputFiles: [{ path: "x", digest: wire(MISSING) }] }],
    ["output directory tree", { outputDirectories: [{ path: "d", treeDigest: wire(MISSING) }] }],
    ["stdout", { stdoutDigest: wire(MISSING) }],
    ["stderr", { stderrDigest: wire(MISSING), stdoutDigest: wire(digestOf(log)) }],
  ];
  for (const [name, init] of danglingCases) {
    t.test(`a missing ${name} blob is FAILED_PRECONDITION`, async (t) => {
      const store = await setUp(t.testdir());
      const error = await failure(store.updateActionResult(action, create(ActionResultSchema, init), signal));
      t.equal(error instanceof ConnectError && error.code, Code.FailedPrecondition);
      t.match(error instanceof ConnectError ? error.rawMessage : "", `e.g. ${MISSING.hash}/${MISSING.sizeBytes}`);
      t.strictSame(await filesUnder(store.layout.acDir), [], "nothing stored in ac/");
      t.strictSame(await filesUnder(store.layout.tmpDir), [], "nothing in tmp/");
      t.equal(await store.getActionResult(action, signal), undefined);
    });
  }

  const blobsToDelete: Array<[string, Buffer | undefined]> = [
    ["", undefined], ["the output file", out], ["stdout", log], ["the output Tree", tree], ["a file inside the Tree", inTree],
  ];
  for (const [label, gone] of blobsToDelete) {
    t.test(gone === undefined ? "stored and read back equal" : `miss once ${label} is deleted`, async (t) => {
      const store = await setUp(t.testdir());
      await store.updateActionResult(action, result, signal);
      t.strictSame(await filesUnder(store.layout.tmpDir), [], "nothing in tmp/");
      t.equal(await store.getActionResult({ ...action, sizeBytes: action.sizeBytes + 1 }, signal), undefined,
        "keyed by hash and size");
      if (gone !== undefined) await rm(blobPath(store.layout, digestOf(gone)));
      const back = await store.getActionResult(action, signal);
      if (gone !== undefined) return void t.equal(back, undefined);
      t.ok(back !== undefined && equals(ActionResultSchema, back, result), "equal to what was stored");
      t.equal(back?.exitCode, 3);
      t.equal(back?.outputFiles[0]?.digest?.hash, digestOf(out).hash);
    });
  }
});

t.test("duplicate uploads of one blob in one store cost one write", async (t) => {
  const store = await fresh(t.testdir());
  const data = Buffer.alloc(2 * 1024 * 1024, 5);
  const digest = digestOf(data);
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  async function* gated(): AsyncGenerator<Uint8Array> {
    yield data.subarray(0, 1024 * 1024);
    await gate;
    yield data.subarray(1024 * 1024);
  }
  const writes = Array.from({ length: 10 }, () => store.writeBlob(digest, gated(), signal));
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.equal((await filesUnder(store.layout.tmpDir)).length, 1, "one temp file while ten uploads are under way");
  open();
  await Promise.all(writes);
  t.strictSame(await filesUnder(store.layout.casDir), [blobPath(store.layout, digest)]);
  t.strictSame(await filesUnder(store.layout.tmpDir), []);
});

/** Chunks that wait for `release` before their last byte arrives: a write that stays open until told. */
function heldOpen(data: Uint8Array): { chunks: AsyncGenerator<Uint8Array>; release: () => void } {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  async function* chunks(): AsyncGenerator<Uint8Array> {
    yield data.subarray(0, 1);
    await released;
    yield data.subarray(1);
  }
  return { chunks: chunks(), release };
}

t.test("a write waiting for its turn on the same blob leaves at once when its call is cancelled", async (t) => {
  const store = await fresh(t.testdir());
  const digest = digestOf(HELLO);
  const first = heldOpen(HELLO);
  const writing = store.writeBlob(digest, first.chunks, signal);
  const cancel = new AbortController();
  const queued = store.writeBlob(digest, oneShot([HELLO]), cancel.signal);
  cancel.abort(new ConnectError("the client went away", Code.Canceled));
  t.equal(await codeOf(queued), Code.Canceled, "the queued write ends with its call's reason, not after the first");
  first.release();
  await writing;
  t.ok(await store.hasBlob(digest), "the first write is stored");
  await store.close();
});

t.test("a write that leaves the queue early does not let the next one run beside the write still under way", async (t) => {
  const store = await fresh(t.testdir());
  const digest = digestOf(HELLO);
  const first = heldOpen(HELLO);
  const writing = store.writeBlob(digest, first.chunks, signal);
  const cancel = new AbortController();
  const leaving = store.writeBlob(digest, oneShot([HELLO]), cancel.signal);
  cancel.abort(new ConnectError("the client went away", Code.Canceled));
  await codeOf(leaving);
  let thirdStarted = false;
  const third = store.writeBlob(
    digest,
    (async function* () {
      thirdStarted = true;
      yield HELLO;
    })(),
    signal,
  );
  await new Promise((resolve) => setTimeout(resolve, 30));
  t.notOk(thirdStarted, "the third write waits for the first, not only for the one that left");
  first.release();
  await Promise.all([writing, third]);
  t.ok(thirdStarted, "and runs once the first has ended");
  t.ok((await readFile(blobPath(store.layout, digest))).equals(HELLO));
  await store.close();
});

t.test("close() waits for writes queued behind another and refuses new ones", async (t) => {
  const store = await fresh(t.testdir());
  const digest = digestOf(HELLO);
  const first = heldOpen(HELLO);
  const writes = [store.writeBlob(digest, first.chunks, signal), store.writeBlob(digest, oneShot([HELLO]), signal)];
  let closed = false;
  const closing = store.close().then(() => (closed = true));
  t.equal(await codeOf(store.writeBlob(digest, oneShot([HELLO]), signal)), Code.Unavailable, "a write after close() is UNAVAILABLE");
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.notOk(closed, "close() is still waiting while the first write is open");
  first.release();
  await closing;
  const outcomes = await Promise.allSettled(writes);
  t.strictSame(outcomes.map((o) => o.status), ["fulfilled", "fulfilled"], "both writes had ended, the queued one included, when close() resolved");
});
