// GetCapabilities through the socket: it advertises exactly what the filter serves, and the limits it enforces.
import t, { type Test } from "tap";
import grpc from "@grpc/grpc-js";
import {
  ActionCache,
  Capabilities,
  Compressor_Value,
  ContentAddressableStorage,
  DigestFunction_Value,
} from "../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { ByteStream } from "../../src/gen/google/bytestream/bytestream_pb.js";
import { DEFAULT_LIMITS } from "../../src/server/server-context.js";
import { blobOf, call, codeName, digestOf } from "../helpers/grpc-call.js";
import { startInProcessServer, type InProcessServerOptions } from "../helpers/in-process-server.js";

const { OK, INVALID_ARGUMENT, PERMISSION_DENIED } = grpc.status;
const CAS = ContentAddressableStorage.method;

async function capabilitiesOf(t: Test, options: InProcessServerOptions) {
  const served = await startInProcessServer(t, options);
  const client = served.client();
  const answer = await call(client, Capabilities.method.getCapabilities, { instanceName: served.instanceName });
  t.equal(codeName(answer.code), codeName(OK), `GetCapabilities answers (${answer.details})`);
  const caps = answer.responses[0];
  if (caps === undefined) throw new Error("GetCapabilities sent no response");
  return { served, client, caps };
}

/** Items of `sizes` bytes each, with their digests, distinct per `label`. */
const items = (label: string, sizes: readonly number[]) =>
  sizes.map((size, index) => {
    const data = blobOf(size, `${label}-${index}`);
    return { digest: digestOf(data), data };
  });

for (const actionCacheUpdate of [false, true]) {
  t.test(`what is advertised, actionCacheUpdate ${actionCacheUpdate}`, async (t) => {
    const { served, client, caps } = await capabilitiesOf(t, { flags: { actionCacheUpdate } });
    const cache = caps.cacheCapabilities;
    const exec = caps.executionCapabilities;
    t.strictSame(cache?.digestFunctions, [DigestFunction_Value.SHA256], "cache digest functions: SHA-256 only");
    t.equal(cache?.actionCacheUpdateCapabilities?.updateEnabled, actionCacheUpdate, "update_enabled is the flag");
    t.equal(cache?.maxBatchTotalSizeBytes, BigInt(DEFAULT_LIMITS.maxBatchTotalSizeBytes), "the batch limit");
    t.equal(cache?.maxCasBlobSizeBytes, 0n, "no blob size limit advertised when there is none");
    t.strictSame(cache?.supportedCompressors, [], "no compressors: compressed ByteStream names are refused");
    t.strictSame(cache?.supportedBatchUpdateCompressors, [], "no batch compressors: compressed batch items are refused");
    t.equal(cache?.splitBlobSupport, false, "SplitBlob is refused");
    t.equal(cache?.spliceBlobSupport, false, "SpliceBlob is refused");
    t.equal(exec?.execEnabled, false, "Execute is refused");
    t.strictSame(exec?.digestFunctions, [DigestFunction_Value.SHA256], "execution digest functions: SHA-256 only");
    t.ok(caps.lowApiVersion !== undefined && caps.highApiVersion !== undefined, "API versions are given");

    // What is not advertised is refused.
    const update = await call(client, ActionCache.method.updateActionResult, {
      instanceName: served.instanceName,
      actionDigest: digestOf(Buffer.from("an action")),
      actionResult: { exitCode: 0 },
    });
    t.equal(codeName(update.code), codeName(actionCacheUpdate ? OK : PERMISSION_DENIED), "UpdateActionResult matches update_enabled");
    const [item] = items("zstd", [10]);
    const zstdBatch = await call(client, CAS.batchUpdateBlobs, {
      requests: [{ ...item, compressor: Compressor_Value.ZSTD }],
    });
    t.equal(codeName(zstdBatch.responses[0]?.responses[0]?.status?.code ?? -1), codeName(INVALID_ARGUMENT), "a zstd batch item is refused");
    const zstdWrite = await call(client, ByteStream.method.write, {
      resourceName: `uploads/u1/compressed-blobs/zstd/${item?.digest.hash}/10`,
      data: item?.data ?? new Uint8Array(),
      finishWrite: true,
    });
    t.equal(codeName(zstdWrite.code), codeName(INVALID_ARGUMENT), "a zstd ByteStream write is refused");
    const zstdRead = await call(client, ByteStream.method.read, { resourceName: `compressed-blobs/zstd/${item?.digest.hash}/10` });
    t.equal(codeName(zstdRead.code), codeName(INVALID_ARGUMENT), "a zstd ByteStream read is refused");
    const sha1Read = await call(client, ByteStream.method.read, { resourceName: `blobs/sha1/${"a".repeat(40)}/10` });
    t.equal(codeName(sha1Read.code), codeName(INVALID_ARGUMENT), "a SHA-1 ByteStream name is refused");
  });
}

t.test("requests naming a digest function other than SHA-256", async (t) => {
  const served = await startInProcessServer(t);
  const client = served.client();
  const blob = Buffer.from("digest function test\n");
  const digest = digestOf(blob);
  for (const digestFunction of [DigestFunction_Value.UNKNOWN, DigestFunction_Value.SHA256]) {
    const find = await call(client, CAS.findMissingBlobs, { blobDigests: [digest], digestFunction });
    t.equal(codeName(find.code), codeName(OK), `FindMissingBlobs with ${DigestFunction_Value[digestFunction]} is served`);
  }
  // BLAKE3 and SHA256TREE hashes are 64 hex digits too: the server cannot tell them from
  // SHA-256 by length, so it must honour the field and refuse what it does not advertise.
  for (const digestFunction of [DigestFunction_Value.BLAKE3, DigestFunction_Value.SHA256TREE, DigestFunction_Value.SHA1]) {
    const name = DigestFunction_Value[digestFunction];
    const find = await call(client, CAS.findMissingBlobs, { blobDigests: [digest], digestFunction });
    const upload = await call(client, CAS.batchUpdateBlobs, { requests: [{ digest, data: blob }], digestFunction });
    const action = await call(client, ActionCache.method.getActionResult, { actionDigest: digest, digestFunction });
    t.equal(codeName(find.code), codeName(INVALID_ARGUMENT), `FindMissingBlobs naming ${name} is refused`);
    t.equal(codeName(upload.code), codeName(INVALID_ARGUMENT), `BatchUpdateBlobs naming ${name} is refused`);
    t.equal(codeName(action.code), codeName(INVALID_ARGUMENT), `GetActionResult naming ${name} is refused`);
  }
});

t.test("max_batch_total_size_bytes is the limit the server enforces", async (t) => {
  for (const limit of [1000, DEFAULT_LIMITS.maxBatchTotalSizeBytes]) {
    t.test(`limit ${limit}`, async (t) => {
      const { client, caps } = await capabilitiesOf(t, { limits: { maxBatchTotalSizeBytes: limit } });
      t.equal(caps.cacheCapabilities?.maxBatchTotalSizeBytes, BigInt(limit), "advertised");
      const third = Math.floor(limit / 3);
      const atLimit = items(`at-${limit}`, [third, third, limit - 2 * third]);
      const overLimit = items(`over-${limit}`, [third, third, limit - 2 * third + 1]);

      const over = await call(client, CAS.batchUpdateBlobs, { requests: overLimit });
      t.equal(codeName(over.code), codeName(INVALID_ARGUMENT), `limit+1 bytes: the whole call is refused (${over.details})`);
      const stillMissing = await call(client, CAS.findMissingBlobs, { blobDigests: overLimit.map((item) => item.digest) });
      t.equal(stillMissing.responses[0]?.missingBlobDigests.length, 3, "and none of its blobs is stored");

      const at = await call(client, CAS.batchUpdateBlobs, { requests: atLimit });
      t.equal(codeName(at.code), codeName(OK), `exactly the limit is served (${at.details})`);
      t.strictSame(at.responses[0]?.responses.map((item) => item.status?.code), [OK, OK, OK], "every item stored");

      const readAt = await call(client, CAS.batchReadBlobs, { digests: atLimit.map((item) => item.digest) });
      t.equal(codeName(readAt.code), codeName(OK), "reading exactly the limit back is served");
      t.ok(
        readAt.responses[0]?.responses.every((item, index) => Buffer.from(item.data).equals(atLimit[index]?.data ?? Buffer.alloc(0))),
        "with the bytes that were stored",
      );
      const readOver = await call(client, CAS.batchReadBlobs, {
        digests: [...atLimit.map((item) => item.digest), digestOf(Buffer.from("x"))],
      });
      t.equal(codeName(readOver.code), codeName(INVALID_ARGUMENT), "reading limit+1 bytes is refused");
    });
  }
});

t.test("max_cas_blob_size_bytes is advertised when --max-blob-size sets it", async (t) => {
  const { caps } = await capabilitiesOf(t, { limits: { maxBlobSizeBytes: 5000 } });
  t.equal(caps.cacheCapabilities?.maxCasBlobSizeBytes, 5000n);
});

t.test("GetCapabilities for an instance the socket does not serve", async (t) => {
  const served = await startInProcessServer(t, { instanceName: "main" });
  const answer = await call(served.client(), Capabilities.method.getCapabilities, { instanceName: "other" });
  t.equal(codeName(answer.code), codeName(PERMISSION_DENIED));
});
