// Tests for src/server/lean-read.ts: the hand-made ReadResponse framing, and Read through a real socket as gRPC clients see it.
import t from "tap";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import grpc from "@grpc/grpc-js";
import { ByteStream, ReadRequestSchema, ReadResponseSchema } from "../../src/gen/google/bytestream/bytestream_pb.js";
import { grpcTimeoutMs, responsePrefix } from "../../src/server/lean-read.js";
import type { CallRecord } from "../../src/server/observe/call-record.js";
import { blobOf, call, codeName, digestOf } from "../helpers/grpc-call.js";
import { startInProcessServer } from "../helpers/in-process-server.js";
import { frame, rawGrpcCall, rawSession } from "../helpers/raw-grpc.js";

const { OK, INVALID_ARGUMENT, NOT_FOUND, OUT_OF_RANGE, DEADLINE_EXCEEDED } = grpc.status;

t.test("prefix and chunk together are exactly protobuf's encoding of a ReadResponse, framed", async (t) => {
  for (const size of [1, 127, 128, 16_383, 16_384, 1024 * 1024, 2_097_151, 2_097_152 + 5]) {
    const data = blobOf(size, `prefix ${size}`);
    const ours = Buffer.concat([responsePrefix(size), data]);
    const theirs = frame(toBinary(ReadResponseSchema, create(ReadResponseSchema, { data })));
    t.ok(ours.equals(theirs), `${size} bytes`);
    t.ok(Buffer.from(fromBinary(ReadResponseSchema, ours.subarray(5)).data).equals(data), `${size} bytes decode back`);
  }
});

t.test("grpc-timeout in every unit, and nothing for a malformed one", async (t) => {
  t.equal(grpcTimeoutMs("2H"), 7_200_000);
  t.equal(grpcTimeoutMs("3M"), 180_000);
  t.equal(grpcTimeoutMs("10S"), 10_000);
  t.equal(grpcTimeoutMs("250m"), 250);
  t.equal(grpcTimeoutMs("5000u"), 5);
  t.equal(grpcTimeoutMs("1000000n"), 1);
  for (const bad of [undefined, "", "10", "S", "123456789S", "1.5S", "-1S", ["1S"]]) t.equal(grpcTimeoutMs(bad), undefined, JSON.stringify(bad));
});

t.test("Read through the socket: ranges, errors, record and deadline", async (t) => {
  const records: CallRecord[] = [];
  const served = await startInProcessServer(t, { observe: (record) => records.push(record) });
  const client = served.client();
  const blob = blobOf(3 * 1024 * 1024 + 17, "lean read");
  const digest = digestOf(blob);
  const name = `blobs/${digest.hash}/${digest.sizeBytes}`;
  const stored = await call(client, ByteStream.method.write, { resourceName: `uploads/u/${name}`, data: blob, finishWrite: true });
  t.equal(codeName(stored.code), codeName(OK), "stored");

  const read = async (request: { resourceName: string; readOffset?: bigint; readLimit?: bigint }) => {
    const answer = await call(client, ByteStream.method.read, request, { deadlineMs: 30_000 });
    return { code: answer.code, details: answer.details, data: Buffer.concat(answer.responses.map((r) => r.data)) };
  };
  const whole = await read({ resourceName: name });
  t.ok(whole.code === OK && whole.data.equals(blob), "the whole blob, in order");
  const middle = await read({ resourceName: name, readOffset: 1_000_000n, readLimit: 2_000_000n });
  t.ok(middle.data.equals(blob.subarray(1_000_000, 3_000_000)), "an offset and a limit");
  const tail = await read({ resourceName: name, readOffset: BigInt(blob.byteLength - 5), readLimit: 1_000_000_000n });
  t.ok(tail.data.equals(blob.subarray(-5)), "a limit past the end reads to the end");
  const atEnd = await read({ resourceName: name, readOffset: BigInt(blob.byteLength) });
  t.ok(atEnd.code === OK && atEnd.data.byteLength === 0, "an offset at the end reads nothing, OK");
  t.equal(codeName((await read({ resourceName: name, readOffset: BigInt(blob.byteLength + 1) })).code), codeName(OUT_OF_RANGE), "past the end");
  t.equal(codeName((await read({ resourceName: "blobs/zz/1" })).code), codeName(INVALID_ARGUMENT), "a malformed name");
  const missing = digestOf(Buffer.from("not stored"));
  t.equal(codeName((await read({ resourceName: `blobs/${missing.hash}/${missing.sizeBytes}` })).code), codeName(NOT_FOUND), "a missing blob");

  const record = records.find((r) => r.method === "google.bytestream.ByteStream/Read" && r.bytesOut === blob.byteLength);
  t.match(record, { code: 0, refused: false, bytesIn: 0, subject: new RegExp(digest.hash.slice(0, 12)) }, "the whole read is recorded with its bytes");

  const session = rawSession(served.socketPath);
  t.teardown(() => session.destroy());
  const request = frame(toBinary(ReadRequestSchema, create(ReadRequestSchema, { resourceName: name })));
  const twoMessages = await rawGrpcCall(session, "/google.bytestream.ByteStream/Read", Buffer.concat([request, request]));
  t.equal(codeName(twoMessages.code), codeName(INVALID_ARGUMENT), `two request messages are refused (${twoMessages.malformed ?? twoMessages.details})`);
  const compressed = Buffer.from(request);
  compressed[0] = 1;
  const refusedCompressed = await rawGrpcCall(session, "/google.bytestream.ByteStream/Read", compressed);
  t.ok(refusedCompressed.code > 0 && refusedCompressed.malformed === undefined, `a compressed message gets a well-formed error (${refusedCompressed.details})`);
  const expired = await rawGrpcCall(session, "/google.bytestream.ByteStream/Read", request, { headers: { "grpc-timeout": "1n" } });
  t.equal(codeName(expired.code), codeName(DEADLINE_EXCEEDED), `a 1 ns deadline ends the read (${expired.malformed ?? expired.details})`);
});
