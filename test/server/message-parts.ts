// Tests for src/server/message-parts.ts: reading across buffers, and one field cut out as views with the others kept for the decoder.
import t from "tap";
import { PartsReader, splitField } from "../../src/server/message-parts.js";

const parts = (...chunks: number[][]) => chunks.map((bytes) => Buffer.from(bytes));

t.test("the reader reads varints and views across parts", async (t) => {
  const reader = new PartsReader(parts([0x96], [0x01, 7], [8, 9]));
  t.equal(reader.remaining, 5);
  t.equal(reader.varint(), 150, "a varint cut between two parts");
  t.strictSame(reader.views(2).map((view) => [...view]), [[7], [8]], "views end where each part ends");
  t.equal(reader.position, 4);
  t.notOk(reader.skip(2), "cannot skip past the end");
  t.ok(reader.skip(1));
  t.equal(reader.varint(), undefined, "nothing left");
  t.equal(new PartsReader(parts([0x80, 0x80])).varint(), undefined, "a varint cut short");
  t.equal(new PartsReader(parts(Array(8).fill(0xff).concat([1]))).varint(), undefined, "a varint past a safe integer");
  t.equal(new PartsReader(parts([1, 2], [3]), 2).varint(), 3, "a reader can start further on");
});

t.test("each occurrence of the field is cut out in order, the rest kept as encoded", async (t) => {
  // field 2 "ab", field 1 varint 5, field 2 "c", field 3 fixed32.
  const bytes = [0x12, 2, 0x61, 0x62, 0x08, 5, 0x12, 1, 0x63, 0x1d, 1, 2, 3, 4];
  const split = splitField(parts(bytes.slice(0, 3), bytes.slice(3, 8), bytes.slice(8)), 2);
  t.ok(split);
  t.strictSame(split?.occurrences.map((views) => Buffer.concat(views).toString()), ["ab", "c"]);
  t.strictSame([...(split?.otherFields ?? [])], [0x08, 5, 0x1d, 1, 2, 3, 4]);
});

t.test("the field with another wire type, or anything malformed, is left to the whole decoder", async (t) => {
  t.equal(splitField(parts([0x10, 1]), 2), undefined, "field 2 as a varint");
  t.equal(splitField(parts([0x0b, 0x0c]), 2), undefined, "a group");
  t.equal(splitField(parts([0x12, 5, 0x61]), 2), undefined, "a field cut short");
  t.equal(splitField(parts([0x02, 0]), 2), undefined, "field number 0");
  t.strictSame(splitField([], 2), { otherFields: Buffer.alloc(0), occurrences: [] }, "an empty message");
});
