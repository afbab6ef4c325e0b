// Tests for src/server/batch-update-parts.ts: a BatchUpdateBlobsRequest in parts decodes as the whole message does, each blob's data left in its chunk unless it straddles two.
import t from "tap";
import { create, equals, fromBinary, toBinary } from "@bufbuild/protobuf";
import { BatchUpdateBlobsRequestSchema, DigestFunction_Value } from "../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { decodeBatchUpdateParts } from "../../src/server/batch-update-parts.js";
import { cutIntoParts, Rng, sha256Hex } from "../helpers/fuzz-inputs.js";

function randomRequest(rng: Rng, n: number) {
  return create(BatchUpdateBlobsRequestSchema, {
    instanceName: rng.pick(["", "main", `a/${n}`, "ünïcödé"]),
    digestFunction: rng.chance(0.3) ? DigestFunction_Value.SHA256 : DigestFunction_Value.UNKNOWN,
    requests: Array.from({ length: rng.int(30) }, () => {
      const data = rng.bytes(rng.chance(0.1) ? 0 : rng.length(9000));
      return { digest: { hash: sha256Hex(data), sizeBytes: BigInt(data.byteLength) }, data };
    }),
  });
}

t.test("cut anywhere, a request decodes to what the whole message decodes to", async (t) => {
  const rng = new Rng(20261201);
  let viewed = 0;
  for (let n = 0; n < 300; n++) {
    const request = randomRequest(rng, n);
    const bytes = Buffer.from(toBinary(BatchUpdateBlobsRequestSchema, request));
    const parts = cutIntoParts(bytes, rng);
    const decoded = decodeBatchUpdateParts(parts);
    if (decoded === undefined) {
      t.fail(`request ${n} not decoded in ${parts.length} parts`);
      continue;
    }
    if (!equals(BatchUpdateBlobsRequestSchema, decoded, request)) t.fail(`request ${n} decoded differently`);
    const buffers = new Set(parts.map((part) => part.buffer));
    viewed += decoded.requests.filter((entry) => entry.data.byteLength > 0 && buffers.has(entry.data.buffer as ArrayBuffer)).length;
  }
  t.ok(viewed > 300, `${viewed} blobs' data left in the parts`);
});

t.test("entries between the other fields, and unknown fields, decode as the whole", async (t) => {
  const entry = toBinary(BatchUpdateBlobsRequestSchema, create(BatchUpdateBlobsRequestSchema, { requests: [{ data: Buffer.from("abc") }] }));
  // An entry, digest_function (3) = SHA256, an unknown fixed32 (15), another entry, instance_name (1).
  const bytes = Buffer.concat([entry, Buffer.from([0x18, 1, 0x7d, 1, 2, 3, 4]), entry, Buffer.from([0x0a, 1, 0x78])]);
  const decoded = decodeBatchUpdateParts([bytes.subarray(0, 4), bytes.subarray(4, 9), bytes.subarray(9)]);
  t.ok(decoded !== undefined && equals(BatchUpdateBlobsRequestSchema, decoded, fromBinary(BatchUpdateBlobsRequestSchema, bytes)));
  t.equal(decoded?.requests.length, 2);
  t.equal(decoded?.instanceName, "x");
});

t.test("on mutated encodings, whenever the parts decode, the whole decodes the same", async (t) => {
  const rng = new Rng(8);
  let compared = 0;
  for (let n = 0; n < 3000; n++) {
    const bytes = Buffer.from(toBinary(BatchUpdateBlobsRequestSchema, randomRequest(rng, n)));
    if (bytes.byteLength === 0) continue;
    for (let flips = 1 + rng.int(3); flips > 0; flips--) bytes[rng.int(bytes.byteLength)] = rng.int(256);
    const decoded = decodeBatchUpdateParts(cutIntoParts(bytes, rng));
    if (decoded === undefined) continue;
    compared += 1;
    let whole;
    try {
      whole = fromBinary(BatchUpdateBlobsRequestSchema, bytes);
    } catch (error) {
      t.fail(`mutation ${n}: the parts decode, the whole fails (${(error as Error).message})`);
      continue;
    }
    if (!equals(BatchUpdateBlobsRequestSchema, decoded, whole)) t.fail(`mutation ${n}: decoded differently`);
  }
  t.ok(compared > 500, `${compared} mutated messages decoded both ways`);
});
