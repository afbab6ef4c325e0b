// Tests for src/backend/remote/batch-update-request.ts: the hand-made frame's pieces are byte for byte what protobuf-es makes of the same request, with the blobs' data not copied.
import t from "tap";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { BatchUpdateBlobsRequestSchema } from "../../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { framedBatchUpdateRequest } from "../../../src/backend/remote/batch-update-request.js";
import type { BatchItem } from "../../../src/backend/backend.js";
import { grpcFrame } from "../../../src/server/grpc-frames.js";
import { Rng, sha256Hex } from "../../helpers/fuzz-inputs.js";

/** What protobuf-es frames for the same request. */
const expected = (instanceName: string, items: readonly BatchItem[]) =>
  grpcFrame(
    toBinary(
      BatchUpdateBlobsRequestSchema,
      create(BatchUpdateBlobsRequestSchema, {
        instanceName,
        requests: items.map((item) => ({ digest: { hash: item.digest.hash, sizeBytes: BigInt(item.digest.sizeBytes) }, data: item.data })),
      }),
    ),
  );

t.test("random batches encode exactly as protobuf-es encodes them", async (t) => {
  const rng = new Rng(11);
  const names = ["", "main", "a/b/c", "ünïcödé", "x".repeat(200)];
  for (let n = 0; n < 200; n++) {
    const items: BatchItem[] = Array.from({ length: rng.int(40) }, () => {
      const data = rng.bytes(rng.chance(0.2) ? 0 : rng.length(70_000));
      // Sizes that need long varints too: the encoder does not check them against the data.
      const sizeBytes = rng.chance(0.1) ? rng.pick([0, 127, 128, 16_383, 16_384, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER]) : data.byteLength;
      return { digest: { hash: rng.chance(0.05) ? "" : sha256Hex(data), sizeBytes }, data };
    });
    const name = rng.pick(names);
    const pieces = framedBatchUpdateRequest(name, items);
    if (!Buffer.concat(pieces).equals(expected(name, items))) t.fail(`batch ${n} (${items.length} items, instance ${JSON.stringify(name)}) differs`);
    const views = items.filter((item) => item.data.byteLength > 0).map((item) => item.data);
    if (!views.every((data) => pieces.includes(data))) t.fail(`batch ${n}: a blob's data was copied`);
    if (pieces.some((piece) => piece.byteLength === 0)) t.fail(`batch ${n}: an empty piece`);
  }
  t.pass("200 batches compared");
});

t.test("the frame decodes back to the request", async (t) => {
  const data = Buffer.from("hello");
  const framed = Buffer.concat(framedBatchUpdateRequest("main", [{ digest: { hash: sha256Hex(data), sizeBytes: 5 }, data }]));
  t.equal(framed[0], 0, "not compressed");
  t.equal(framed.readUInt32BE(1), framed.byteLength - 5, "the prefix gives the message's length");
  const decoded = fromBinary(BatchUpdateBlobsRequestSchema, framed.subarray(5));
  t.equal(decoded.instanceName, "main");
  t.equal(decoded.requests[0]?.digest?.sizeBytes, 5n);
  t.equal(Buffer.from(decoded.requests[0]?.data ?? []).toString(), "hello");
});
