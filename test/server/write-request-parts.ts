// Tests for src/server/write-request-parts.ts: a WriteRequest split however its bytes arrived decodes as the whole message does.
import t from "tap";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { WriteRequestSchema } from "../../src/gen/google/bytestream/bytestream_pb.js";
import { splitWriteRequest } from "../../src/server/write-request-parts.js";
import { cutIntoParts as cut, Rng } from "../helpers/fuzz-inputs.js";

/** What a decoded request says, data included, in a comparable form. */
const facts = (request: { resourceName: string; writeOffset: bigint; finishWrite: boolean }, data: Uint8Array) => ({
  resourceName: request.resourceName,
  writeOffset: request.writeOffset,
  finishWrite: request.finishWrite,
  data: Buffer.from(data).toString("hex"),
});

t.test("split anywhere, a request decodes to the same fields and data, the data left in the parts", async (t) => {
  const rng = new Rng(20261130);
  for (let n = 0; n < 300; n++) {
    const request = create(WriteRequestSchema, {
      resourceName: rng.chance(0.5) ? `uploads/${n}/blobs/${"a".repeat(64)}/${n}` : "",
      writeOffset: BigInt(rng.int(1 << 30)),
      finishWrite: rng.chance(0.5),
      data: rng.bytes(rng.int(20_000)),
    });
    const bytes = Buffer.from(toBinary(WriteRequestSchema, request));
    const parts = cut(bytes, rng);
    const split = splitWriteRequest(parts);
    if (split === undefined) {
      t.fail(`request ${n} not split`);
      continue;
    }
    const decoded = fromBinary(WriteRequestSchema, split.otherFields);
    t.strictSame(facts(decoded, Buffer.concat(split.data)), facts(request, request.data), `request ${n} in ${parts.length} parts`);
    const buffers = new Set(parts.map((part) => part.buffer));
    if (!split.data.every((piece) => buffers.has(piece.buffer))) t.fail(`request ${n}: data copied`);
    if (split.otherFields.byteLength > 200) t.fail(`request ${n}: ${split.otherFields.byteLength} bytes of other fields`);
  }
});

t.test("fields in any order, and unknown ones, are kept for the decoder", async (t) => {
  // data (10) first, then write_offset (2), an unknown fixed32 (15), resource_name (1).
  const bytes = Buffer.from([0x52, 3, 1, 2, 3, 0x10, 5, 0x7d, 0, 0, 0, 0, 0x0a, 1, 0x78]);
  const split = splitWriteRequest([bytes.subarray(0, 2), bytes.subarray(2, 7), bytes.subarray(7)]);
  t.ok(split);
  if (split === undefined) return;
  t.strictSame(Buffer.concat(split.data), Buffer.from([1, 2, 3]));
  const decoded = fromBinary(WriteRequestSchema, split.otherFields);
  t.equal(decoded.resourceName, "x");
  t.equal(decoded.writeOffset, 5n);
});

t.test("anything but a plain encoding is left to the whole decoder", async (t) => {
  const cases: Array<[string, number[]]> = [
    ["a group", [0x0b, 0x0c]],
    ["a field cut short", [0x0a, 5, 0x61]],
    ["data twice", [0x52, 1, 0, 0x52, 1, 0]],
    ["field number 0", [0x02, 0]],
    ["a varint cut short", [0x10, 0x80]],
    ["a length past the end", [0x52, 0x7f, 0]],
  ];
  for (const [name, bytes] of cases) {
    const buffer = Buffer.from(bytes);
    t.equal(splitWriteRequest([buffer.subarray(0, 1), buffer.subarray(1)]), undefined, name);
  }
});

t.test("on mutated encodings, whenever the split decodes, the whole message decodes the same", async (t) => {
  const rng = new Rng(7);
  let compared = 0;
  for (let n = 0; n < 3000; n++) {
    const request = create(WriteRequestSchema, { resourceName: "blobs/x/1", writeOffset: BigInt(rng.int(1000)), finishWrite: true, data: rng.bytes(rng.int(300)) });
    const bytes = Buffer.from(toBinary(WriteRequestSchema, request));
    for (let flips = 1 + rng.int(3); flips > 0; flips--) bytes[rng.int(bytes.byteLength)] = rng.int(256);
    const split = splitWriteRequest(cut(bytes, rng));
    if (split === undefined) continue;
    let fromSplit;
    try {
      fromSplit = fromBinary(WriteRequestSchema, split.otherFields);
    } catch {
      continue; // decoded whole then, for its error
    }
    compared += 1;
    let whole;
    try {
      whole = fromBinary(WriteRequestSchema, bytes);
    } catch (error) {
      t.fail(`mutation ${n}: the split decodes, the whole fails (${(error as Error).message})`);
      continue;
    }
    const same = JSON.stringify(facts(fromSplit, Buffer.concat(split.data)), (_, v) => (typeof v === "bigint" ? String(v) : v)) === JSON.stringify(facts(whole, whole.data), (_, v) => (typeof v === "bigint" ? String(v) : v));
    if (!same) t.fail(`mutation ${n}: decoded differently`);
  }
  t.ok(compared > 500, `${compared} mutated messages decoded both ways`);
});
