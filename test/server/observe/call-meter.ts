// Tests for src/server/observe/call-meter.ts: one record per call, named by its first request, with the blob bytes both ways.
import t from "tap";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ReadResponseSchema, WriteRequestSchema } from "../../../src/gen/google/bytestream/bytestream_pb.js";
import { CallMeter } from "../../../src/server/observe/call-meter.js";
import type { CallRecord } from "../../../src/server/observe/call-record.js";

t.test("counts, names and reports once", async (t) => {
  const records: CallRecord[] = [];
  const meter = new CallMeter("google.bytestream.ByteStream/Write", (record) => records.push(record));
  meter.noteRequest(create(WriteRequestSchema, { resourceName: "main/uploads/u/blobs/ab/3", data: new Uint8Array(3) }));
  meter.noteRequest(create(WriteRequestSchema, { resourceName: "", data: new Uint8Array(4) }));
  meter.noteResponse(create(ReadResponseSchema, { data: new Uint8Array(5) }));
  meter.countOut(6);
  meter.finish(new ConnectError("gone", Code.Canceled));
  meter.finish(undefined);
  t.equal(records.length, 1, "reported once, by the first finish");
  t.match(records[0], { method: "google.bytestream.ByteStream/Write", subject: /uploads\/u/, code: Code.Canceled, refused: false, bytesIn: 7, bytesOut: 11 });
  const other = new CallMeter("x.Y/Z", (record) => records.push(record));
  other.finish(new Error("plain"));
  t.equal(records[1]?.code, Code.Unknown, "anything not a ConnectError is UNKNOWN");
});
