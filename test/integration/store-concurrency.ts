// Many clients of one server, and two bst-cas-run processes on one cache directory, uploading and reading overlapping blobs.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";
import { ConnectError } from "@connectrpc/connect";
import { storeLayout } from "../../src/backend/local/store-layout.js";
import { verifyStore } from "../../src/backend/local/store-verify.js";
import { runTool } from "../helpers/run-tool.js";
import { blobOf, byteStreamRead, byteStreamWrite, digestOf, startStoreServer, wire, type StoreClients, privateTestDir } from "../helpers/store-server.js";

const STORE_CLIENT = fileURLToPath(new URL("../fixtures/store-client.mjs", import.meta.url));
const KIB = 1024;
const POOL = Array.from({ length: 24 }, (_, i) => blobOf([10, 3 * KIB, 60 * KIB, 300 * KIB, 1200 * KIB][i % 5] + i, `concurrency-${i}`));

/** Uploads `data` if the store lacks it (or every third time regardless), then reads it back and compares. */
async function useBlob(clients: StoreClients, data: Buffer, op: number): Promise<void> {
  const digest = digestOf(data);
  const missing = await clients.cas.findMissingBlobs({ blobDigests: [wire(digest)] });
  if (missing.missingBlobDigests.length > 0 || op % 3 === 0) {
    if (data.length <= 512 * KIB && op % 2 === 0) {
      const response = await clients.cas.batchUpdateBlobs({ requests: [{ digest: wire(digest), data }] });
      const status = response.responses[0]?.status;
      if (status?.code !== 0) throw new Error(`BatchUpdateBlobs: ${status?.code} ${status?.message}`);
    } else {
      await byteStreamWrite(clients, data, { chunkSize: 64 * KIB });
    }
  }
  let back: Buffer;
  if (data.length <= 512 * KIB && op % 2 === 1) {
    const response = await clients.cas.batchReadBlobs({ digests: [wire(digest)] });
    const item = response.responses[0];
    if (item?.status?.code !== 0) throw new Error(`BatchReadBlobs: ${item?.status?.code} ${item?.status?.message}`);
    back = Buffer.from(item.data);
  } else {
    back = await byteStreamRead(clients, digest);
  }
  if (!back.equals(data)) throw new Error(`blob ${digest.hash} read back different`);
}

t.test("32 concurrent clients of one in-process server: no error, a sound store", async (t) => {
  const served = await startStoreServer(t);
  const errors: string[] = [];
  let operations = 0;
  await Promise.all(Array.from({ length: 32 }, async (_, id) => {
    const clients = served.connect();
    for (let op = 0; op < 8; op++) {
      const index = (id * 5 + op * 7) % POOL.length;
      try {
        await useBlob(clients, POOL[index] as Buffer, op);
        operations++;
      } catch (error) {
        errors.push(`client ${id} op ${op} blob ${index}: ${error instanceof ConnectError ? `${error.code} ${error.rawMessage}` : String(error)}`);
      }
    }
  }));
  t.strictSame(errors, [], "no call failed");
  t.equal(operations, 32 * 8);
  const report = await verifyStore(served.store.layout);
  t.strictSame([report.badBlobs, report.badActionResults], [[], []], "verify finds the store sound");
  t.equal(report.blobsChecked, POOL.length, "every pool blob stored once");
  t.strictSame(await readdir(served.store.layout.tmpDir), [], "no temp file left");
});

t.test("two bst-cas-run processes on one cache directory: no error, store verify clean", async (t) => {
  const dir = privateTestDir(t);
  const cacheDir = join(dir, "cache");
  const { NODE_OPTIONS: _nodeOptions, ...env } = process.env;
  const run = () => runTool(["--sandbox", "none", "--cache-dir", cacheDir, "--", process.execPath, STORE_CLIENT, "load", "8", "12", "30"], { env, cwd: dir });
  const results = await Promise.all([run(), run()]);
  for (const [index, result] of results.entries()) {
    t.equal(result.exitCode, 0, `process ${index} exits 0 (${String(result.stderr).slice(0, 300)})`);
    const answer = JSON.parse(String(result.stdout).trim().split("\n").pop() ?? "{}") as { operations?: number; errors?: string[] };
    t.strictSame(answer.errors, [], `process ${index}: no call failed`);
    t.equal(answer.operations, 8 * 12, `process ${index}: every operation done`);
  }
  const verify = await runTool(["store", "verify", "--cache-dir", cacheDir], { env, cwd: dir });
  t.equal(verify.exitCode, 0, "store verify exits 0");
  t.match(String(verify.stdout), /all sound/);
  const report = await verifyStore(storeLayout(cacheDir));
  t.ok(report.blobsChecked > 0, `${report.blobsChecked} blobs checked`);
  t.strictSame(await readdir(join(cacheDir, "tmp")), [], "no temp file left");
});
