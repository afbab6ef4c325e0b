// Against a lying server: wrong bytes are refused (exit 5), missing blobs are not-found (exit 1), bad Directories are refused.
import { createHash } from "node:crypto";
import { createServer } from "node:http2";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import t, { type Test } from "tap";
import { downloadBlobToFile } from "../../src/client/blob-output.js";
import { readBlob } from "../../src/client/bytestream-read.js";
import { startProgress } from "../../src/client/progress.js";
import { connectReapi, type ReapiClients } from "../../src/client/reapi-clients.js";
import { fetchTransferLimits, limitsOf } from "../../src/client/transfer-limits.js";
import { fetchTree } from "../../src/client/tree-fetch.js";
import {
  Capabilities,
  ContentAddressableStorage,
  DigestFunction_Value,
  DirectorySchema,
  ServerCapabilitiesSchema,
} from "../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { ByteStream } from "../../src/gen/google/bytestream/bytestream_pb.js";

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");
const digestOf = (data: Uint8Array) => ({ hash: sha256(data), sizeBytes: data.byteLength });
const silent = () => startProgress({ label: "", stream: { isTTY: false, write: () => true } });

/** Serves `routes` on a fresh UNIX socket; returns clients for it, closed on teardown. */
async function fakeServer(t: Test, routes: (router: ConnectRouter) => void): Promise<{ clients: ReapiClients; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), "bcr-fake-"));
  const server = createServer(connectNodeAdapter({ routes, grpc: true, connect: false, grpcWeb: false }));
  const path = join(dir, "s.sock");
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const clients = connectReapi({ address: { kind: "unix", path, text: `unix:${path}` }, instanceName: "" });
  t.teardown(async () => {
    clients.close();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });
  return { clients, dir };
}

const TRUE = Buffer.from("the true contents\n");
const LIE = Buffer.from("the false contents");

t.test("ByteStream Read of other bytes than asked for", async (t) => {
  const { clients, dir } = await fakeServer(t, (router) =>
    router.service(ByteStream, {
      async *read(request) {
        if (request.resourceName.includes(sha256(TRUE))) yield { data: LIE };
        else throw new ConnectError("no such blob", Code.NotFound);
      },
    }),
  );
  await t.rejects(readBlob(clients, digestOf(TRUE), () => {}), { name: "ToolError", exitStatus: 5, message: /does not match its digest/ });
  await t.rejects(downloadBlobToFile(clients, digestOf(TRUE), join(dir, "out"), silent()), { name: "ToolError", exitStatus: 5 });
  t.same((await readdir(dir)).sort(), ["s.sock"], "-o: nothing is left at the path, nor a partial file");
  await t.rejects(readBlob(clients, digestOf(LIE), () => {}), { name: "ToolError", exitStatus: 1, message: /is not in the CAS/ });
  let called = false;
  await readBlob(clients, digestOf(new Uint8Array()), () => void (called = true));
  t.notOk(called, "the empty blob needs no call");
});

t.test("BatchReadBlobs: a wrong blob, a missing one, and bad Directory messages", async (t) => {
  const badName = toBinary(DirectorySchema, create(DirectorySchema, { symlinks: [{ name: "../escape", target: "x" }] }));
  const twice = toBinary(DirectorySchema, create(DirectorySchema, { files: [{ name: "a", digest: { hash: sha256(TRUE), sizeBytes: 18n } }], symlinks: [{ name: "a", target: "b" }] }));
  const notADirectory = Buffer.from([0xff, 0xff, 0xff]);
  const blobs = new Map([badName, twice, notADirectory, TRUE].map((data) => [sha256(data), data]));
  const { clients } = await fakeServer(t, (router) =>
    router.service(ContentAddressableStorage, {
      batchReadBlobs(request) {
        return {
          responses: request.digests.map((digest) => {
            const data = blobs.get(digest.hash);
            if (data === undefined) return { digest, status: { code: Code.NotFound, message: "gone" } };
            return { digest, status: { code: 0, message: "" }, data: data === TRUE ? LIE : data };
          }),
        };
      },
    }),
  );
  const limits = limitsOf(undefined);
  await t.rejects(fetchTree(clients, limits, digestOf(TRUE)), { name: "ToolError", exitStatus: 5, message: /does not match/ }, "wrong bytes");
  await t.rejects(fetchTree(clients, limits, digestOf(LIE)), { name: "ToolError", exitStatus: 1, message: /not in the CAS/ }, "a missing Directory");
  await t.rejects(fetchTree(clients, limits, digestOf(badName)), { name: "ToolError", exitStatus: 5, message: /not a valid directory entry name/ }, "a name with a slash");
  await t.rejects(fetchTree(clients, limits, digestOf(twice)), { name: "ToolError", exitStatus: 5, message: /appears twice/ }, "a name twice");
  await t.rejects(fetchTree(clients, limits, digestOf(notADirectory)), { name: "ToolError", exitStatus: 5, message: /not a Directory message/ }, "not a Directory");
});

t.test("capabilities: a server without SHA-256, and one without the Capabilities service", async (t) => {
  const { clients } = await fakeServer(t, (router) =>
    router.service(Capabilities, { getCapabilities: () => ({ cacheCapabilities: { digestFunctions: [DigestFunction_Value.BLAKE3], maxBatchTotalSizeBytes: 1000n } }) }),
  );
  await t.rejects(fetchTransferLimits(clients), { name: "ToolError", exitStatus: 3, message: /does not take SHA-256/ });
  const { clients: bare } = await fakeServer(t, (router) => router.service(ByteStream, {}));
  t.same(await fetchTransferLimits(bare), limitsOf(undefined), "UNIMPLEMENTED: the defaults");
  t.same(limitsOf(create(ServerCapabilitiesSchema, { cacheCapabilities: { maxBatchTotalSizeBytes: 1000n } })).maxBatchBytes, 1000, "a smaller limit is kept");
});
