// Tests for src/server/lean-bytestream.ts: the hand-made ReadResponse framing, and Read and Write through a real socket as gRPC clients see them.
import t from "tap";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import grpc from "@grpc/grpc-js";
import { ByteStream, ReadRequestSchema, ReadResponseSchema, WriteRequestSchema, WriteResponseSchema } from "../../src/gen/google/bytestream/bytestream_pb.js";
import { readResponsePrefix } from "../../src/server/lean-grpc.js";
import type { CallRecord } from "../../src/server/observe/call-record.js";
import { blobOf, call, codeName, digestOf } from "../helpers/grpc-call.js";
import { startInProcessServer } from "../helpers/in-process-server.js";
import { frame, rawGrpcCall, rawSession } from "../helpers/raw-grpc.js";
import { storeProblems } from "../helpers/store-audit.js";

const { OK, INVALID_ARGUMENT, NOT_FOUND, OUT_OF_RANGE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED } = grpc.status;

t.test("prefix and chunk together are exactly protobuf's encoding of a ReadResponse, framed", async (t) => {
  for (const size of [1, 127, 128, 16_383, 16_384, 1024 * 1024, 2_097_151, 2_097_152 + 5]) {
    const data = blobOf(size, `prefix ${size}`);
    const ours = Buffer.concat([readResponsePrefix(size), data]);
    const theirs = frame(toBinary(ReadResponseSchema, create(ReadResponseSchema, { data })));
    t.ok(ours.equals(theirs), `${size} bytes`);
    t.ok(Buffer.from(fromBinary(ReadResponseSchema, ours.subarray(5)).data).equals(data), `${size} bytes decode back`);
  }
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

t.test("Write through the socket: messages split anywhere, and bad framing answered well-formed", async (t) => {
  const served = await startInProcessServer(t);
  const session = rawSession(served.socketPath);
  t.teardown(() => session.destroy());
  const blob = blobOf(2 * 1024 * 1024 + 3, "lean write");
  const digest = digestOf(blob);
  const name = `uploads/w/blobs/${digest.hash}/${digest.sizeBytes}`;
  const half = 1024 * 1024;
  const requests = [
    { resourceName: name, writeOffset: 0n, data: blob.subarray(0, half), finishWrite: false },
    { resourceName: "", writeOffset: BigInt(half), data: blob.subarray(half), finishWrite: true },
  ].map((request) => frame(toBinary(WriteRequestSchema, create(WriteRequestSchema, request))));
  const answer = await rawGrpcCall(session, "/google.bytestream.ByteStream/Write", Buffer.concat(requests));
  t.equal(codeName(answer.code), codeName(OK), `a two-message upload (${answer.malformed ?? answer.details})`);
  t.equal(fromBinary(WriteResponseSchema, answer.messages[0] ?? Buffer.alloc(0)).committedSize, BigInt(blob.byteLength), "committed_size is the blob's size");
  const back = await call(served.client(), ByteStream.method.read, { resourceName: `blobs/${digest.hash}/${digest.sizeBytes}` });
  t.ok(Buffer.concat(back.responses.map((r) => r.data)).equals(blob), "and the blob reads back whole");

  const oversize = Buffer.alloc(5);
  oversize.writeUInt32BE(64 * 1024 * 1024, 1);
  const tooBig = await rawGrpcCall(session, "/google.bytestream.ByteStream/Write", oversize);
  t.equal(codeName(tooBig.code), codeName(RESOURCE_EXHAUSTED), `a 64 MiB message announced (${tooBig.malformed ?? tooBig.details})`);
  const cut = await rawGrpcCall(session, "/google.bytestream.ByteStream/Write", Buffer.concat(requests).subarray(0, 1000));
  t.equal(codeName(cut.code), codeName(INVALID_ARGUMENT), `a body cut inside a message (${cut.malformed ?? cut.details})`);
  t.strictSame(await storeProblems(served.storeDir, { partialUploads: true }), [], "nothing partial is visible in the store");
});

t.test("unary calls on the lean path: one message each way, Connect's answers for too few or too many, the call record", async (t) => {
  const { FindMissingBlobsRequestSchema, FindMissingBlobsResponseSchema } = await import("../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js");
  const records: CallRecord[] = [];
  const served = await startInProcessServer(t, { instanceName: "main", observe: (record) => records.push(record) });
  const session = rawSession(served.socketPath);
  t.teardown(() => session.destroy());
  const path = "/build.bazel.remote.execution.v2.ContentAddressableStorage/FindMissingBlobs";
  const absent = digestOf(Buffer.from("absent"));
  const request = frame(toBinary(FindMissingBlobsRequestSchema, create(FindMissingBlobsRequestSchema, { instanceName: "main", blobDigests: [absent] })));
  const answer = await rawGrpcCall(session, path, request);
  t.equal(codeName(answer.code), codeName(OK), `answered (${answer.malformed ?? answer.details})`);
  t.equal(fromBinary(FindMissingBlobsResponseSchema, answer.messages[0] ?? Buffer.alloc(0)).missingBlobDigests[0]?.hash, absent.hash, "the absent blob is missing");
  t.match(records.at(-1), { method: path.slice(1), instanceName: "main", code: 0, refused: false }, "recorded with its instance name");
  const none = await rawGrpcCall(session, path, Buffer.alloc(0));
  t.equal(codeName(none.code), codeName(grpc.status.UNIMPLEMENTED), `no request message (${none.details})`);
  const two = await rawGrpcCall(session, path, Buffer.concat([request, request]));
  t.equal(codeName(two.code), codeName(grpc.status.UNIMPLEMENTED), `two request messages (${two.details})`);
  const wrongInstance = frame(toBinary(FindMissingBlobsRequestSchema, create(FindMissingBlobsRequestSchema, { instanceName: "other", blobDigests: [absent] })));
  const refused = await rawGrpcCall(session, path, wrongInstance);
  t.equal(codeName(refused.code), codeName(grpc.status.PERMISSION_DENIED), `another instance name is refused as on the Connect path (${refused.details})`);
});
