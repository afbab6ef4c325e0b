// Tests for src/server/lean-call.ts: how the status is sent, and the deadline of a call whose request does not come (the rest is exercised through test/server/lean-grpc.ts).
import t from "tap";
import { create, toBinary } from "@bufbuild/protobuf";
import grpc from "@grpc/grpc-js";
import { GetActionResultRequestSchema } from "../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { ReadRequestSchema } from "../../src/gen/google/bytestream/bytestream_pb.js";
import type { CallRecord } from "../../src/server/observe/call-record.js";
import { codeName } from "../helpers/grpc-call.js";
import { startInProcessServer } from "../helpers/in-process-server.js";
import { frame, rawGrpcCall, rawSession, recordReceived, type Received } from "../helpers/raw-grpc.js";
import { eventually } from "../helpers/store-audit.js";

t.test("the status: in trailers after an answer, alone in the headers (trailers-only) for a failure before one", async (t) => {
  const served = await startInProcessServer(t);
  const session = rawSession(served.socketPath);
  t.teardown(() => void session.close());
  /** One call's headers and trailers as they arrived. */
  const exchange = (path: string, message: Uint8Array) =>
    new Promise<Received>((resolve, reject) => {
      const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers" });
      const received = recordReceived(stream);
      stream.on("error", reject);
      stream.on("close", () => resolve(received()));
      stream.end(frame(message));
    });
  const missing = { hash: "0".repeat(64), sizeBytes: 1n };

  const miss = await exchange("/build.bazel.remote.execution.v2.ActionCache/GetActionResult", toBinary(GetActionResultRequestSchema, create(GetActionResultRequestSchema, { actionDigest: missing })));
  t.equal(miss.headers["grpc-status"], String(grpc.status.NOT_FOUND), "a miss: NOT_FOUND in the headers");
  t.match(miss.headers["grpc-message"], /no action result/, "with its message");
  t.equal(miss.trailers, undefined, "and no trailers");
  t.equal(miss.body.byteLength, 0, "and no message");

  const answered = await exchange("/build.bazel.remote.execution.v2.Capabilities/GetCapabilities", new Uint8Array(0));
  t.equal(answered.headers["grpc-status"], undefined, "an answer: no status in the headers");
  t.equal(answered.trailers?.["grpc-status"], "0", "OK in the trailers");
  t.ok(answered.body.byteLength > 5, "after the answer's message");
});

t.test("the deadline ends a call whose request never comes, or never ends", async (t) => {
  const records: CallRecord[] = [];
  const served = await startInProcessServer(t, { observe: (record) => records.push(record) });
  const session = rawSession(served.socketPath);
  t.teardown(() => session.destroy());
  const missing = { hash: "0".repeat(64), sizeBytes: 1n };
  const getActionResult = frame(toBinary(GetActionResultRequestSchema, create(GetActionResultRequestSchema, { actionDigest: missing })));
  const read = frame(toBinary(ReadRequestSchema, create(ReadRequestSchema, { resourceName: `blobs/${missing.hash}/1` })));
  const cases = [
    { name: "a unary call that sends nothing", path: "/build.bazel.remote.execution.v2.ActionCache/GetActionResult", payload: Buffer.alloc(0) },
    { name: "a unary call that sends its request and never ends it", path: "/build.bazel.remote.execution.v2.ActionCache/GetActionResult", payload: getActionResult },
    { name: "a Read that sends nothing", path: "/google.bytestream.ByteStream/Read", payload: Buffer.alloc(0) },
    { name: "a Read that sends its request and never ends it", path: "/google.bytestream.ByteStream/Read", payload: read },
    { name: "a Write that sends nothing", path: "/google.bytestream.ByteStream/Write", payload: Buffer.alloc(0) },
  ];
  for (const { name, path, payload } of cases) {
    const started = performance.now();
    const answer = await rawGrpcCall(session, path, payload, { headers: { "grpc-timeout": "200m" }, halfClose: false, deadlineMs: 5000 });
    const elapsed = performance.now() - started;
    t.equal(codeName(answer.code), codeName(grpc.status.DEADLINE_EXCEEDED), `${name}: DEADLINE_EXCEEDED (${answer.malformed ?? answer.details})`);
    t.ok(elapsed >= 190 && elapsed < 3000, `${name}: once the deadline has passed (${Math.round(elapsed)} ms)`);
  }
  t.ok(await eventually(async () => records.length === cases.length, 2000), `every call ended on the server and was recorded (${records.length})`);
  t.strictSame(
    records.map((record) => record.code),
    cases.map(() => grpc.status.DEADLINE_EXCEEDED),
    "as DEADLINE_EXCEEDED",
  );
});
