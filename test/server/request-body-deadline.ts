// Tests for src/server/request-body-deadline.ts: calls Connect serves are answered DEADLINE_EXCEEDED when their request does not come, or end, in time.
import { connect as connectSocket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import t, { type Test } from "tap";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import grpc from "@grpc/grpc-js";
import { GetTreeRequestSchema, GetTreeResponseSchema } from "../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import type { CallRecord } from "../../src/server/observe/call-record.js";
import { codeName, digestOf } from "../helpers/grpc-call.js";
import { startInProcessServer } from "../helpers/in-process-server.js";
import { frame, rawGrpcCall, rawSession } from "../helpers/raw-grpc.js";
import { eventually } from "../helpers/store-audit.js";

const { OK, DEADLINE_EXCEEDED } = grpc.status;
const REAPI = "build.bazel.remote.execution.v2";
const GET_TREE = `/${REAPI}.ContentAddressableStorage/GetTree`;
const FIND_MISSING = `/${REAPI}.ContentAddressableStorage/FindMissingBlobs`;
/** An empty digest list, as JSON: the gRPC JSON codec, which only Connect serves here. */
const FIND_NOTHING_JSON = Buffer.from(JSON.stringify({ blobDigests: [] }));

/** How long a test lets a call go unanswered before it calls the wait a failure. */
const PATIENCE_MS = 5000;

/**
 * Starts a server and calls `path` twice with a 200 ms deadline, sending first nothing, then
 * `request` without ever ending the stream: both must be answered DEADLINE_EXCEEDED once the
 * deadline has passed, and recorded so, once each. Resolves with a session for more calls.
 */
async function expectStalledCallsEnded(t: Test, path: string, request: Buffer, headers: Record<string, string>) {
  const records: CallRecord[] = [];
  const served = await startInProcessServer(t, { observe: (record) => records.push(record) });
  const session = rawSession(served.socketPath);
  t.teardown(() => session.destroy());
  for (const [name, payload] of [["nothing sent", Buffer.alloc(0)], ["the request sent, the stream never ended", request]] as const) {
    const started = performance.now();
    const answer = await rawGrpcCall(session, path, payload, { headers: { ...headers, "grpc-timeout": "200m" }, halfClose: false, deadlineMs: PATIENCE_MS });
    const elapsed = performance.now() - started;
    t.equal(codeName(answer.code), codeName(DEADLINE_EXCEEDED), `${name}: DEADLINE_EXCEEDED (${answer.malformed ?? answer.details})`);
    t.ok(elapsed >= 190 && elapsed < 3000, `${name}: once the deadline has passed (${Math.round(elapsed)} ms)`);
  }
  t.ok(await eventually(async () => records.length === 2, 2000), "both calls ended on the server");
  await sleep(200);
  t.strictSame(records.map((record) => codeName(record.code)), [codeName(DEADLINE_EXCEEDED), codeName(DEADLINE_EXCEEDED)], "recorded as DEADLINE_EXCEEDED, once each");
  return session;
}

t.test("a GetTree whose request never comes, or never ends, is answered DEADLINE_EXCEEDED at its deadline", async (t) => {
  const request = frame(toBinary(GetTreeRequestSchema, create(GetTreeRequestSchema, { rootDigest: digestOf(Buffer.alloc(0)) })));
  const session = await expectStalledCallsEnded(t, GET_TREE, request, {});
  const whole = await rawGrpcCall(session, GET_TREE, request, { headers: { "grpc-timeout": "10S" } });
  t.equal(codeName(whole.code), codeName(OK), `a request that comes is served as before (${whole.details})`);
  t.equal(fromBinary(GetTreeResponseSchema, whole.messages[0] ?? new Uint8Array()).directories.length, 1, "with its answer");
});

t.test("a unary gRPC call Connect serves (the JSON codec) whose request never comes, or never ends, is answered DEADLINE_EXCEEDED", async (t) => {
  const headers = { "content-type": "application/grpc+json" };
  const session = await expectStalledCallsEnded(t, FIND_MISSING, frame(FIND_NOTHING_JSON), headers);
  const whole = await rawGrpcCall(session, FIND_MISSING, frame(FIND_NOTHING_JSON), { headers: { ...headers, "grpc-timeout": "10S" } });
  t.equal(codeName(whole.code), codeName(OK), `a request that comes is served as before (${whole.malformed ?? whole.details})`);
  t.strictSame(JSON.parse((whole.messages[0] ?? Buffer.from("null")).toString()), {}, "with its answer: nothing missing");
});

t.test("a Connect-protocol call whose body never ends is answered deadline_exceeded, over HTTP/2 and HTTP/1.1", async (t) => {
  const served = await startInProcessServer(t);
  const session = rawSession(served.socketPath);
  t.teardown(() => session.destroy());

  const started = performance.now();
  const http2 = await new Promise<{ status: number; body: string }>((resolve) => {
    const stream = session.request({ ":method": "POST", ":path": FIND_MISSING, "content-type": "application/json", "connect-protocol-version": "1", "connect-timeout-ms": "200" });
    let status = 0;
    let body = "";
    const patience = setTimeout(() => stream.close(), PATIENCE_MS);
    stream.on("response", (received) => (status = Number(received[":status"])));
    stream.on("data", (chunk: Buffer) => (body += chunk.toString()));
    stream.on("error", () => undefined);
    stream.on("close", () => {
      clearTimeout(patience);
      resolve({ status, body });
    });
    stream.write(FIND_NOTHING_JSON.subarray(0, 5));
  });
  const elapsed = performance.now() - started;
  t.match(http2.body, /"code":"deadline_exceeded"/, `HTTP/2: deadline_exceeded (HTTP ${http2.status}: ${http2.body})`);
  t.ok(elapsed >= 190 && elapsed < 3000, `HTTP/2: once the deadline has passed (${Math.round(elapsed)} ms)`);

  const http1Started = performance.now();
  const http1 = await new Promise<string>((resolve) => {
    const socket = connectSocket(served.socketPath);
    let text = "";
    socket.setTimeout(PATIENCE_MS, () => socket.destroy());
    socket.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
    socket.on("error", () => resolve(text));
    socket.on("close", () => resolve(text));
    // Ten bytes promised, five sent: the body never ends.
    socket.write(
      `POST ${FIND_MISSING} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nConnect-Timeout-Ms: 200\r\nContent-Length: 10\r\n\r\n{"blo`,
    );
  });
  const http1Elapsed = performance.now() - http1Started;
  t.match(http1, /"code":"deadline_exceeded"/, `HTTP/1.1: deadline_exceeded (${http1.split("\r\n")[0]})`);
  t.ok(http1Elapsed >= 190 && http1Elapsed < 3000, `HTTP/1.1: once the deadline has passed (${Math.round(http1Elapsed)} ms)`);
});
