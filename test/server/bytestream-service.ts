// Tests for src/server/bytestream-service.ts over a real socket: Read offsets and limits, resumable Write, QueryWriteStatus.
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import t from "tap";
import { Code, ConnectError } from "@connectrpc/connect";
import { blobOf, byteStreamRead, byteStreamWrite, digestOf, startStoreServer, uploadName, type StoreClients } from "../helpers/store-server.js";

const KIB = 1024;
const MIB = 1024 * KIB;
const codeOf = (work: Promise<unknown>): Promise<Code | string> =>
  work.then(() => "resolved", (error: unknown) => (error instanceof ConnectError ? error.code : String(error)));

t.test("Read honours read_offset and read_limit", async (t) => {
  const served = await startStoreServer(t);
  const clients = served.connect();
  const data = blobOf(5 * MIB + 3, "read");
  const digest = digestOf(data);
  await byteStreamWrite(clients, data);
  const cases: Array<[number, number, Buffer]> = [
    [0, 0, data],
    [1000, 0, data.subarray(1000)],
    [0, 10, data.subarray(0, 10)],
    [MIB - 5, 2 * MIB, data.subarray(MIB - 5, 3 * MIB - 5)],
    [data.length - 1, 100, data.subarray(data.length - 1)],
    [data.length, 0, Buffer.alloc(0)],
    [7, data.length * 2, data.subarray(7)],
  ];
  for (const [offset, limit, expected] of cases) {
    t.ok((await byteStreamRead(clients, digest, offset, limit)).equals(expected), `offset ${offset} limit ${limit}`);
  }
  let messages = 0;
  let largest = 0;
  for await (const response of clients.bytestream.read({ resourceName: `blobs/${digest.hash}/${digest.sizeBytes}` })) {
    messages++;
    largest = Math.max(largest, response.data.byteLength);
  }
  t.ok(messages >= 5 && largest <= MIB, `streamed in ${messages} pieces of at most 1 MiB, never whole`);
});

t.test("Read refusals", async (t) => {
  const served = await startStoreServer(t);
  const clients = served.connect();
  const data = Buffer.from("some bytes");
  const digest = digestOf(data);
  await byteStreamWrite(clients, data);
  const name = `blobs/${digest.hash}/${digest.sizeBytes}`;
  const read = async (request: { resourceName: string; readOffset?: bigint; readLimit?: bigint }) => {
    for await (const _ of clients.bytestream.read(request));
  };
  t.equal(await codeOf(read({ resourceName: name, readOffset: 11n })), Code.OutOfRange, "offset past the end");
  t.equal(await codeOf(read({ resourceName: name, readOffset: -1n })), Code.OutOfRange, "negative offset");
  t.equal(await codeOf(read({ resourceName: name, readLimit: -1n })), Code.InvalidArgument, "negative limit");
  const missing = digestOf(Buffer.from("not stored"));
  t.equal(await codeOf(read({ resourceName: `blobs/${missing.hash}/${missing.sizeBytes}` })), Code.NotFound);
  t.equal(await codeOf(read({ resourceName: `blobs/${digest.hash}/11` })), Code.NotFound, "right hash, wrong size");
});

/** The bytes the Write in progress has written to its own file in tmp/ (0 when there is none). */
async function bytesInProgress(storeDir: string): Promise<number> {
  const temps = (await readdir(join(storeDir, "tmp"))).filter((name) => name.endsWith(".tmp"));
  const sizes = await Promise.all(temps.map(async (name) => (await stat(join(storeDir, "tmp", name)).catch(() => ({ size: 0 }))).size));
  return Math.max(0, ...sizes);
}

/**
 * Sends the first `chunks` 64 KiB pieces of `data` under `name`, waits until the server has
 * written them, drops the call, and waits until QueryWriteStatus reports them kept (the server
 * moves them aside once it has seen the call end); resolves with the committed size it reports.
 */
async function uploadThenBreak(clients: StoreClients, storeDir: string, data: Buffer, name: string, chunks: number): Promise<bigint> {
  const sent = chunks * 64 * KIB;
  const controller = new AbortController();
  async function* requests() {
    for (let i = 0; i < chunks; i++) {
      yield { resourceName: i === 0 ? name : "", writeOffset: BigInt(i * 64 * KIB), data: data.subarray(i * 64 * KIB, (i + 1) * 64 * KIB) };
    }
    for (const deadline = Date.now() + 5000; Date.now() < deadline && (await bytesInProgress(storeDir)) < sent; ) await sleep(10);
    controller.abort();
    await new Promise(() => undefined);
  }
  await codeOf(clients.bytestream.write(requests(), { signal: controller.signal }));
  let committed = 0n;
  for (const deadline = Date.now() + 5000; Date.now() < deadline; await sleep(10)) {
    committed = (await clients.bytestream.queryWriteStatus({ resourceName: name })).committedSize;
    if (committed === BigInt(sent)) break;
  }
  return committed;
}

t.test("a broken Write is resumed at the committed size", async (t) => {
  const served = await startStoreServer(t);
  const clients = served.connect();
  const data = blobOf(MIB, "resume");
  const digest = digestOf(data);
  const name = uploadName(digest);
  const unknown = await clients.bytestream.queryWriteStatus({ resourceName: name });
  t.strictSame([unknown.committedSize, unknown.complete], [0n, false], "unknown upload: 0, incomplete");
  t.equal(await uploadThenBreak(clients, served.storeDir, data, name, 5), BigInt(5 * 64 * KIB), "committed_size is what was persisted");
  const status = await clients.bytestream.queryWriteStatus({ resourceName: name });
  t.equal(status.complete, false);
  t.equal((await served.store.findMissingBlobs([digest], new AbortController().signal)).length, 1, "no blob visible yet");

  t.equal(await codeOf(byteStreamWrite(clients, data, { name, offset: 64 * KIB })), Code.InvalidArgument, "another offset is INVALID_ARGUMENT");
  t.equal((await clients.bytestream.queryWriteStatus({ resourceName: name })).committedSize, BigInt(5 * 64 * KIB), "which loses nothing");
  t.equal(await byteStreamWrite(clients, data, { name, offset: 5 * 64 * KIB }), BigInt(MIB), "resumed to the end");
  const done = await clients.bytestream.queryWriteStatus({ resourceName: name });
  t.strictSame([done.committedSize, done.complete], [BigInt(MIB), true]);
  t.ok((await byteStreamRead(clients, digest)).equals(data), "the blob reads back whole");
  t.strictSame(await readdir(served.store.layout.tmpDir), [], "tmp/ is empty");
});

t.test("QueryWriteStatus during a running Write reports the bytes it holds so far", async (t) => {
  const served = await startStoreServer(t);
  const clients = served.connect();
  const data = blobOf(MIB, "running");
  const name = uploadName(digestOf(data));
  const seen: bigint[] = [];
  async function* requests() {
    for (let i = 0; i < 16; i++) {
      yield { resourceName: i === 0 ? name : "", writeOffset: BigInt(i * 64 * KIB), data: data.subarray(i * 64 * KIB, (i + 1) * 64 * KIB), finishWrite: i === 15 };
      if (i !== 4) continue;
      // Five pieces sent: the server holds them once it has written them.
      for (const deadline = Date.now() + 5000; Date.now() < deadline; await sleep(10)) {
        const status = await clients.bytestream.queryWriteStatus({ resourceName: name });
        seen.push(status.committedSize);
        if (status.committedSize === BigInt(5 * 64 * KIB)) break;
      }
    }
  }
  const written = await clients.bytestream.write(requests());
  t.equal(written.committedSize, BigInt(MIB), "the Write completes");
  t.equal(seen.at(-1), BigInt(5 * 64 * KIB), `QueryWriteStatus reported the five pieces while the Write ran (${seen.length} queries, the last ${seen.at(-1)})`);
  t.ok(seen.every((size, at) => at === 0 || size >= (seen[at - 1] ?? 0n)), "and never went back");
  const done = await clients.bytestream.queryWriteStatus({ resourceName: name });
  t.strictSame([done.committedSize, done.complete], [BigInt(MIB), true], "then the blob is complete");
});

t.test("a Write that ends without finish_write keeps its bytes for a resume", async (t) => {
  const served = await startStoreServer(t);
  const clients = served.connect();
  const data = blobOf(300 * KIB, "unfinished");
  const name = uploadName(digestOf(data));
  t.equal(await codeOf(byteStreamWrite(clients, data.subarray(0, 128 * KIB), { name, finish: false })), Code.InvalidArgument);
  t.equal((await clients.bytestream.queryWriteStatus({ resourceName: name })).committedSize, BigInt(128 * KIB));
  t.equal(await byteStreamWrite(clients, data, { name, offset: 128 * KIB }), BigInt(data.length));
});

t.test("Write refusals and shortcuts", async (t) => {
  const served = await startStoreServer(t);
  const clients = served.connect();
  const data = blobOf(100 * KIB, "refusals");
  const digest = digestOf(data);
  t.equal(await codeOf(byteStreamWrite(clients, data, { offset: 200 * KIB })), Code.InvalidArgument, "offset past the blob");
  t.equal(await codeOf(byteStreamWrite(clients, Buffer.concat([data.subarray(1), Buffer.from("x")]), { name: uploadName(digest) })), Code.InvalidArgument, "wrong bytes");
  t.strictSame(await readdir(served.store.layout.tmpDir), [], "wrong bytes are not kept");
  t.equal(await byteStreamWrite(clients, data), BigInt(data.length));
  t.equal(await byteStreamWrite(clients, data, { name: uploadName(digest), offset: 0, chunkSize: 1024 }), BigInt(data.length), "a stored blob: committed at once");
  const status = await clients.bytestream.queryWriteStatus({ resourceName: uploadName(digest) });
  t.strictSame([status.committedSize, status.complete], [BigInt(data.length), true], "QueryWriteStatus of a stored blob: complete");
});
