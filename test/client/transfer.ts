// The client layer against the real server in process: batches and ByteStream up, FindMissingBlobs skips, the tree comes back identical.
import { createHash } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { BlobSet } from "../../src/client/blob-set.js";
import { downloadBlobToFile } from "../../src/client/blob-output.js";
import { createLimiter } from "../../src/client/limit.js";
import { startProgress } from "../../src/client/progress.js";
import { collectPaths } from "../../src/client/put-paths.js";
import { connectReapi } from "../../src/client/reapi-clients.js";
import { fetchTransferLimits } from "../../src/client/transfer-limits.js";
import { fetchTree } from "../../src/client/tree-fetch.js";
import { materialiseTree } from "../../src/client/tree-materialise.js";
import { uploadBlobSet } from "../../src/client/upload.js";
import type { CallRecord } from "../../src/server/observe/call-record.js";
import { startInProcessServer } from "../helpers/in-process-server.js";
import { describeTree } from "../helpers/trees.js";

const BATCH_LIMIT = 4096;
const silent = () => startProgress({ label: "", stream: { isTTY: false, write: () => true } });

t.test("upload and materialise a tree through a server with a 4 KiB batch limit", async (t) => {
  const calls: CallRecord[] = [];
  const served = await startInProcessServer(t, { instanceName: "main", limits: { maxBatchTotalSizeBytes: BATCH_LIMIT }, observe: (call) => calls.push(call) });
  const clients = connectReapi({ address: { kind: "unix", path: served.socketPath, text: served.address }, instanceName: "main" });
  t.teardown(() => clients.close());
  const limits = await fetchTransferLimits(clients);
  t.equal(limits.maxBatchBytes, BATCH_LIMIT, "the advertised batch limit is used");

  // Not t.testdir(): the server's store is in it, and a second call would empty it.
  const dir = await mkdtemp(join(tmpdir(), "bcr-transfer-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const top = join(dir, "tree");
  const big = Buffer.alloc(3 * 1024 * 1024 + 17);
  for (let i = 0; i + 4 <= big.length; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i);
  await mkdir(join(top, "a", "b", "empty"), { recursive: true });
  for (let i = 0; i < 60; i++) await writeFile(join(top, "a", `small-${i}.txt`), `small file ${i}\n`.repeat(i + 1));
  await writeFile(join(top, "big.bin"), big);
  await writeFile(join(top, "a", "b", "big-again.bin"), big);
  await chmod(join(top, "a", "b", "big-again.bin"), 0o755);
  await writeFile(join(top, "a", "b", "tool"), "#!/bin/sh\necho hi\n");
  await chmod(join(top, "a", "b", "tool"), 0o755);
  await symlink("../big.bin", join(top, "a", "to-big"));
  await symlink("/nowhere/at/all", join(top, "dangling"));

  const blobs = new BlobSet();
  const [target] = await collectPaths([top], { blobDigests: false }, blobs, createLimiter(8));
  const first = await uploadBlobSet(clients, limits, blobs, silent());
  t.equal(first.uploadedBlobs, first.blobs - 1, "everything but the empty blob (the empty Directory), which every CAS holds, is uploaded");
  t.ok(first.uploadedBytes > big.length && first.uploadedBytes < 2 * big.length, "the big content once, not twice");
  const writes = calls.filter((call) => call.method.endsWith("ByteStream/Write")).map((call) => call.bytesIn).sort((a, b) => a - b);
  const directoryA = [...blobs.directories.values()].map((d) => d.digest.sizeBytes).filter((size) => size > BATCH_LIMIT);
  t.equal(directoryA.length, 1, "one Directory (a/, 60 files) outgrows the batch limit");
  t.same(writes, [directoryA[0], big.length], "two ByteStream Writes, each whole: that Directory from memory and the big file, once");
  const batches = calls.filter((call) => call.method.endsWith("/BatchUpdateBlobs"));
  t.ok(batches.length >= 2, `the small blobs went in several batches (${batches.length})`);
  t.ok(batches.every((call) => call.bytesIn <= BATCH_LIMIT), "each within the limit");

  calls.length = 0;
  const second = await uploadBlobSet(clients, limits, blobs, silent());
  t.equal(second.uploadedBlobs, 0, "a second upload sends nothing");
  t.same(calls.map((call) => call.method.split("/").pop()), ["FindMissingBlobs"], "only FindMissingBlobs is called");

  const out = join(dir, "out");
  const tree = await fetchTree(clients, limits, target!.digest);
  t.equal(tree.directories.size, 4, "the root, a, a/b and a/b/empty Directories");
  await materialiseTree(clients, limits, tree, out, silent());
  t.same(await describeTree(out), await describeTree(top), "same files, contents, executable bits and symlinks");

  await downloadBlobToFile(clients, { hash: sha256(big), sizeBytes: big.length }, join(dir, "big.copy"), silent());
  t.ok((await readFile(join(dir, "big.copy"))).equals(big), "cas get -o: the blob streamed to a file");
  await t.rejects(materialiseTree(clients, limits, tree, out, silent()), { exitStatus: 2, message: /not empty/ }, "a non-empty destination is refused");
});

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

