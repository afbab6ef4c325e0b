// The observer given to startReapiServer: one record per call, served or refused, with its status and bytes.
import t from "tap";
import { create, toBinary } from "@bufbuild/protobuf";
import grpc from "@grpc/grpc-js";
import {
  ActionCache,
  Capabilities,
  ContentAddressableStorage,
} from "../../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { ByteStream, ReadRequestSchema, WriteRequestSchema } from "../../../src/gen/google/bytestream/bytestream_pb.js";
import type { CallRecord } from "../../../src/server/observe/call-record.js";
import { blobOf, call, callRaw, digestOf, type Answer } from "../../helpers/grpc-call.js";
import { startInProcessServer } from "../../helpers/in-process-server.js";
import { rawGrpcCall, rawSession } from "../../helpers/raw-grpc.js";
import { eventually } from "../../helpers/store-audit.js";

const { OK, NOT_FOUND, PERMISSION_DENIED, UNIMPLEMENTED, INVALID_ARGUMENT } = grpc.status;
const REAPI = "build.bazel.remote.execution.v2";
const CAS = ContentAddressableStorage.method;
const MIB = 1024 * 1024;
const SMALL = [blobOf(100, "a"), blobOf(50, "b")];
const BIG = blobOf(3 * MIB + 5, "big");
const BIG_DIGEST = digestOf(BIG);
const WRITE_NAME = `main/uploads/u1/blobs/${BIG_DIGEST.hash}/${BIG_DIGEST.sizeBytes}`;
const READ_NAME = `main/blobs/${BIG_DIGEST.hash}/${BIG_DIGEST.sizeBytes}`;

/** A call and the record it must produce (compared with t.match: the fields given must match). */
interface Case {
  readonly name: string;
  run(client: grpc.Client): Promise<Answer<unknown>>;
  readonly record: Partial<Omit<CallRecord, "subject" | "code">> & { readonly subject?: string | RegExp; readonly code: number };
}

const CASES: readonly Case[] = [
  {
    name: "GetCapabilities",
    run: (c) => call(c, Capabilities.method.getCapabilities, { instanceName: "main" }),
    record: { method: `${REAPI}.Capabilities/GetCapabilities`, instanceName: "main", code: OK, refused: false, bytesIn: 0, bytesOut: 0 },
  },
  {
    name: "BatchUpdateBlobs counts blob bytes in",
    run: (c) => call(c, CAS.batchUpdateBlobs, { instanceName: "main", requests: SMALL.map((data) => ({ digest: digestOf(data), data })) }),
    record: { method: `${REAPI}.ContentAddressableStorage/BatchUpdateBlobs`, instanceName: "main", code: OK, bytesIn: 150, bytesOut: 0 },
  },
  {
    name: "BatchReadBlobs counts blob bytes out",
    run: (c) => call(c, CAS.batchReadBlobs, { instanceName: "main", digests: SMALL.map(digestOf) }),
    record: { method: `${REAPI}.ContentAddressableStorage/BatchReadBlobs`, instanceName: "main", code: OK, bytesIn: 0, bytesOut: 150 },
  },
  {
    name: "ByteStream Write counts every chunk in",
    run: (c) =>
      call(
        c,
        ByteStream.method.write,
        [0, 1, 2, 3].map((index) => ({
          resourceName: index === 0 ? WRITE_NAME : "",
          writeOffset: BigInt(index * MIB),
          data: BIG.subarray(index * MIB, (index + 1) * MIB),
          finishWrite: index === 3,
        })),
      ),
    record: { method: "google.bytestream.ByteStream/Write", subject: WRITE_NAME, code: OK, refused: false, bytesIn: BIG.byteLength, bytesOut: 0 },
  },
  {
    name: "ByteStream Read counts every chunk out",
    run: (c) => call(c, ByteStream.method.read, { resourceName: READ_NAME }),
    record: { method: "google.bytestream.ByteStream/Read", subject: READ_NAME, code: OK, refused: false, bytesIn: 0, bytesOut: BIG.byteLength },
  },
  {
    name: "a cache miss is recorded with its status",
    run: (c) => call(c, ActionCache.method.getActionResult, { instanceName: "main", actionDigest: digestOf(Buffer.from("no such action")) }),
    record: { method: `${REAPI}.ActionCache/GetActionResult`, instanceName: "main", code: NOT_FOUND, refused: false },
  },
  {
    name: "a malformed request is recorded with its status",
    run: (c) => call(c, ByteStream.method.read, { resourceName: "main/blobs/../../etc/passwd/1" }),
    record: { method: "google.bytestream.ByteStream/Read", code: INVALID_ARGUMENT, refused: false, bytesOut: 0 },
  },
  {
    name: "another instance is recorded with the instance asked for",
    run: (c) => call(c, CAS.findMissingBlobs, { instanceName: "other" }),
    record: { method: `${REAPI}.ContentAddressableStorage/FindMissingBlobs`, instanceName: "other", code: PERMISSION_DENIED },
  },
  {
    name: "a refused method",
    run: (c) => callRaw(c, `/${REAPI}.Execution/Execute`, "server_streaming", []).then((a) => ({ ...a, responses: [] })),
    record: { method: `${REAPI}.Execution/Execute`, code: PERMISSION_DENIED, refused: true, bytesIn: 0, bytesOut: 0 },
  },
  {
    name: "a method only a flag opens",
    run: (c) => call(c, ActionCache.method.updateActionResult, { instanceName: "main" }),
    record: { method: `${REAPI}.ActionCache/UpdateActionResult`, code: PERMISSION_DENIED, refused: true, bytesIn: 0, bytesOut: 0 },
  },
  {
    name: "an unknown method",
    run: (c) => callRaw(c, "/no.such.Service/Method", "unary", []).then((a) => ({ ...a, responses: [] })),
    record: { method: "no.such.Service/Method", code: UNIMPLEMENTED, refused: true, bytesIn: 0, bytesOut: 0 },
  },
];

t.test("one record per call", async (t) => {
  const records: CallRecord[] = [];
  const served = await startInProcessServer(t, { instanceName: "main", observe: (record) => records.push(record) });
  const client = served.client();
  for (const [index, item] of CASES.entries()) {
    const answer = await item.run(client);
    t.equal(answer.code, item.record.code, `${item.name}: the client sees ${item.record.code} (${answer.details})`);
    t.ok(await eventually(async () => records.length >= index + 1, 2000), `${item.name}: recorded`);
    const record = records[index];
    t.match(record, item.record, `${item.name}: the record`);
    t.ok(typeof record?.milliseconds === "number" && record.milliseconds >= 0, `${item.name}: a duration`);
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.equal(records.length, CASES.length, "exactly one record per call, none late");
});

t.test("calls the client abandons are recorded once, as CANCELLED", async (t) => {
  const records: CallRecord[] = [];
  const served = await startInProcessServer(t, { observe: (record) => records.push(record) });
  const client = served.client();
  const big = blobOf(32 * MIB, "abandoned");
  const digest = digestOf(big);
  const identity = (buffer: Buffer) => buffer;
  const writes = Array.from({ length: 32 }, (_, index) => ({
    resourceName: index === 0 ? `uploads/u1/blobs/${digest.hash}/${digest.sizeBytes}` : "",
    writeOffset: BigInt(index * MIB),
    data: big.subarray(index * MIB, (index + 1) * MIB),
    finishWrite: index === 31,
  }));
  const stored = await call(client, ByteStream.method.write, writes);
  t.equal(stored.code, OK, "a blob to read is stored");
  records.length = 0;
  const recordsOf = (method: string) => records.filter((record) => record.method === `google.bytestream.ByteStream/${method}`);

  const request = Buffer.from(toBinary(ReadRequestSchema, create(ReadRequestSchema, { resourceName: `blobs/${digest.hash}/${digest.sizeBytes}` })));
  const read = client.makeServerStreamRequest("/google.bytestream.ByteStream/Read", identity, identity, request);
  await new Promise<void>((resolve) => {
    read.once("data", () => read.cancel());
    read.on("error", () => undefined);
    read.on("status", () => resolve());
  });

  const other = blobOf(8 * MIB, "abandoned-upload");
  const otherDigest = digestOf(other);
  await new Promise<void>((resolve) => {
    const upload = client.makeClientStreamRequest("/google.bytestream.ByteStream/Write", identity, identity, () => resolve());
    const resourceName = `uploads/u2/blobs/${otherDigest.hash}/${otherDigest.sizeBytes}`;
    const first = create(WriteRequestSchema, { resourceName, data: other.subarray(0, MIB) });
    upload.write(Buffer.from(toBinary(WriteRequestSchema, first)));
    setTimeout(() => upload.cancel(), 200);
  });

  await eventually(async () => records.length >= 2, 5000);
  for (const method of ["Read", "Write"]) {
    const found = recordsOf(method);
    t.equal(found.length, 1, `the abandoned ${method} is recorded once`);
    t.equal(found[0]?.code, grpc.status.CANCELLED, `as CANCELLED (${found[0]?.code})`);
  }
  t.ok(recordsOf("Read").every((record) => record.bytesOut < big.byteLength), "a Read record counts only the bytes sent");
  t.ok(recordsOf("Write").every((record) => record.bytesIn <= MIB), "a Write record counts only the bytes received");
});

t.test("calls served by Connect that pass their deadline are recorded as DEADLINE_EXCEEDED", async (t) => {
  const records: CallRecord[] = [];
  const served = await startInProcessServer(t, { observe: (record) => records.push(record) });
  const session = rawSession(served.socketPath);
  t.teardown(() => session.destroy());
  const getTree = `/${REAPI}.ContentAddressableStorage/GetTree`;
  const findMissing = `/${REAPI}.ContentAddressableStorage/FindMissingBlobs`;
  // Requests that never come: the calls are still waiting for them when their deadline passes.
  await rawGrpcCall(session, getTree, Buffer.alloc(0), { headers: { "grpc-timeout": "200m" }, halfClose: false, deadlineMs: 1000 });
  await rawGrpcCall(session, findMissing, Buffer.alloc(0), {
    headers: { "content-type": "application/proto", "connect-protocol-version": "1", "connect-timeout-ms": "200" },
    halfClose: false,
    deadlineMs: 1000,
  });
  t.ok(await eventually(async () => records.length >= 2, 3000), `every call is recorded (${records.length})`);
  t.strictSame(
    records.map((record) => [record.method, record.code]),
    [
      [`${REAPI}.ContentAddressableStorage/GetTree`, grpc.status.DEADLINE_EXCEEDED],
      [`${REAPI}.ContentAddressableStorage/FindMissingBlobs`, grpc.status.DEADLINE_EXCEEDED],
    ],
    "each with its status",
  );
});
