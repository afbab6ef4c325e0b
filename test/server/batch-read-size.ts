// Tests for src/server/batch-read-size.ts: a BatchReadBlobs answer counted with its framing, and refused when it would not fit one gRPC message.
import { createHash } from "node:crypto";
import t from "tap";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import grpc from "@grpc/grpc-js";
import {
  BatchReadBlobsRequestSchema,
  BatchReadBlobsResponseSchema,
  ContentAddressableStorage,
} from "../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import type { BatchReadResult } from "../../src/backend/backend.js";
import type { BlobDigest } from "../../src/policy/digest.js";
import { batchReadResponseBytes, fitStatusMessages, MAX_BATCH_READ_RESPONSE_BYTES } from "../../src/server/batch-read-size.js";
import { DEFAULT_LIMITS } from "../../src/server/server-context.js";
import { blobOf, callRaw, codeName, digestOf, pathOf } from "../helpers/grpc-call.js";
import { startInProcessServer } from "../helpers/in-process-server.js";

const { OK, INVALID_ARGUMENT } = grpc.status;
const signal = new AbortController().signal;
const fakeHash = (label: string) => createHash("sha256").update(label).digest("hex");
const wire = (digest: BlobDigest) => ({ hash: digest.hash, sizeBytes: BigInt(digest.sizeBytes) });

/** The encoded response holding `results` for `digests`, as the server builds it. */
function encodedResponse(digests: readonly BlobDigest[], results: readonly BatchReadResult[]): Uint8Array {
  return toBinary(
    BatchReadBlobsResponseSchema,
    create(BatchReadBlobsResponseSchema, {
      responses: digests.map((digest, index) => {
        const result = results[index] as BatchReadResult;
        return { digest: wire(digest), status: result.status, ...(result.data !== undefined ? { data: result.data } : {}) };
      }),
    }),
  );
}

t.test("the size counted is protobuf's, a status counted with room for its code, at every varint boundary", async (t) => {
  for (const size of [0, 1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152]) {
    const digests = [{ hash: fakeHash(`size ${size}`), sizeBytes: size }];
    const found = [{ status: { code: 16, message: "" }, data: new Uint8Array(size) }];
    t.equal(batchReadResponseBytes(digests), encodedResponse(digests, found).byteLength, `a blob of ${size} bytes`);
  }
  const many = Array.from({ length: 300 }, (_, index) => ({ hash: fakeHash(`many ${index}`), sizeBytes: index * 7 }));
  const found = many.map((digest) => ({ status: { code: 16, message: "" }, data: new Uint8Array(digest.sizeBytes) }));
  t.equal(batchReadResponseBytes(many), encodedResponse(many, found).byteLength, "300 blobs of assorted sizes");
});

t.test("failure messages are cut to the room the missing data left, only when the answer would not fit", async (t) => {
  const digests = Array.from({ length: 50 }, (_, index) => ({ hash: fakeHash(`missing ${index}`), sizeBytes: 10 + index }));
  const missing = digests.map((digest) => ({ status: { code: 5, message: `blob ${digest.hash}/${digest.sizeBytes} is not in the store, é` } }));
  const bound = batchReadResponseBytes(digests);
  t.ok(encodedResponse(digests, missing).byteLength > bound, "the messages as they are would not fit");
  t.equal(fitStatusMessages(digests, missing, bound * 10), missing, "unchanged where they fit");
  const fitted = fitStatusMessages(digests, missing, bound);
  t.ok(encodedResponse(digests, fitted).byteLength <= bound, "cut, the answer fits");
  t.ok(fitted.every((result, index) => result.status.code === 5 && (missing[index]?.status.message ?? "").startsWith(result.status.message)), "the codes kept, the messages cut from the end");
  t.ok(fitted.some((result) => result.status.message.length > 10), "as little as needed");
});

t.test("BatchReadBlobs through the socket: an answer right at one message is served, one byte more is refused", async (t) => {
  const served = await startInProcessServer(t);
  // A client with gRPC's default 4 MiB receive limit, as recc's and Bazel's are.
  const client = new grpc.Client(served.address, grpc.credentials.createInsecure());
  t.teardown(() => client.close());
  const path = pathOf(ContentAddressableStorage.method.batchReadBlobs);

  // 1000 blobs of about 4 KiB: their data within the batch limit, their answer exactly one message.
  const count = 1000;
  const sizes = Array.from({ length: count }, () => 4000);
  const perByte = (index: number) => {
    const digests = sizes.map((size, at) => ({ hash: fakeHash(`b${at}`), sizeBytes: size + (at === index ? 1 : 0) }));
    return batchReadResponseBytes(digests) - batchReadResponseBytes(sizes.map((size, at) => ({ hash: fakeHash(`b${at}`), sizeBytes: size })));
  };
  t.equal(perByte(0), 1, "(a byte more of data is a byte more of answer at these sizes)");
  const short = MAX_BATCH_READ_RESPONSE_BYTES - batchReadResponseBytes(sizes.map((sizeBytes) => ({ hash: fakeHash("x"), sizeBytes })));
  for (let index = 0; index < short; index++) sizes[index % count] = (sizes[index % count] as number) + 1;
  const blobs = sizes.map((size, index) => blobOf(size, `at the bound ${index}`));
  const digests = blobs.map((blob) => ({ hash: digestOf(blob).hash, sizeBytes: blob.byteLength }));
  t.equal(batchReadResponseBytes(digests), MAX_BATCH_READ_RESPONSE_BYTES, "the answer counted is exactly the bound");
  const dataBytes = sizes.reduce((sum, size) => sum + size, 0);
  t.ok(dataBytes + 1 <= DEFAULT_LIMITS.maxBatchTotalSizeBytes, `the data (${dataBytes} bytes) is within the batch limit, also with a byte more`);
  for (const [index, blob] of blobs.entries()) await served.store.writeBlob(digests[index] as BlobDigest, [blob], signal);

  const request = (list: readonly BlobDigest[]) => toBinary(BatchReadBlobsRequestSchema, create(BatchReadBlobsRequestSchema, { digests: list.map(wire) }));
  const atBound = await callRaw(client, path, "unary", [request(digests)], { deadlineMs: 30_000 });
  t.equal(codeName(atBound.code), codeName(OK), `right at the bound: served (${atBound.details})`);
  const answer = fromBinary(BatchReadBlobsResponseSchema, atBound.messages[0] ?? new Uint8Array());
  t.ok(
    answer.responses.length === count && answer.responses.every((item, index) => item.status?.code === OK && Buffer.from(item.data).equals(blobs[index] as Buffer)),
    "every blob in the answer",
  );
  t.ok((atBound.messages[0]?.byteLength ?? Infinity) <= MAX_BATCH_READ_RESPONSE_BYTES, `in one message of ${atBound.messages[0]?.byteLength} bytes`);

  const over = digests.map((digest, index) => (index === 0 ? { ...digest, sizeBytes: digest.sizeBytes + 1 } : digest));
  const refused = await callRaw(client, path, "unary", [request(over)], { deadlineMs: 30_000 });
  t.equal(codeName(refused.code), codeName(INVALID_ARGUMENT), "one byte over: INVALID_ARGUMENT");
  t.match(refused.details, new RegExp(`${count} blobs would take ${MAX_BATCH_READ_RESPONSE_BYTES + 1} bytes .* limit of ${MAX_BATCH_READ_RESPONSE_BYTES}`), `which says why (${refused.details})`);
});

t.test("BatchReadBlobs of many missing small blobs: the answer fits one message", async (t) => {
  const served = await startInProcessServer(t);
  const client = new grpc.Client(served.address, grpc.credentials.createInsecure());
  t.teardown(() => client.close());
  const digests = Array.from({ length: 40_000 }, (_, index) => ({ hash: fakeHash(`absent ${index}`), sizeBytes: 1 }));
  t.ok(batchReadResponseBytes(digests) <= MAX_BATCH_READ_RESPONSE_BYTES, "within the bound when counted");
  const body = toBinary(BatchReadBlobsRequestSchema, create(BatchReadBlobsRequestSchema, { digests: digests.map(wire) }));
  const answer = await callRaw(client, pathOf(ContentAddressableStorage.method.batchReadBlobs), "unary", [body], { deadlineMs: 60_000 });
  t.equal(codeName(answer.code), codeName(OK), `served, and received by a client with the default limit (${answer.details})`);
  const responses = fromBinary(BatchReadBlobsResponseSchema, answer.messages[0] ?? new Uint8Array()).responses;
  t.ok(responses.length === digests.length && responses.every((item) => item.status?.code === grpc.status.NOT_FOUND), "each blob NOT_FOUND");
});
