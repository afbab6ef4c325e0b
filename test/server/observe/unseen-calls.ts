// Tests for src/server/observe/unseen-calls.ts: calls Connect answers before any handler are recorded too, once, with the status they were answered.
import { constants, type ClientHttp2Session } from "node:http2";
import { connect as connectSocket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import t, { type Test } from "tap";
import { Code } from "@connectrpc/connect";
import { codeFromString } from "@connectrpc/connect/protocol-connect";
import type { CallRecord } from "../../../src/server/observe/call-record.js";
import { codeOfAnswer } from "../../../src/server/observe/unseen-calls.js";
import { startInProcessServer } from "../../helpers/in-process-server.js";
import { frame, rawGrpcCall, rawSession } from "../../helpers/raw-grpc.js";
import { http1Exchange } from "../../helpers/raw-http1.js";
import { eventually } from "../../helpers/store-audit.js";

const CAS = "build.bazel.remote.execution.v2.ContentAddressableStorage";
const FIND_MISSING = `/${CAS}/FindMissingBlobs`;
const GET_TREE = `/${CAS}/GetTree`;

/** A server that records its calls, and a connection to it. */
async function recordingServer(t: Test) {
  const records: CallRecord[] = [];
  const served = await startInProcessServer(t, { observe: (record) => records.push(record) });
  const session = rawSession(served.socketPath);
  t.teardown(() => session.destroy());
  /** The records, once `count` are in and no more came for a moment. */
  const settled = async (count: number) => {
    await eventually(async () => records.length >= count, 3000);
    await sleep(150);
    return records.map((record) => ({ method: record.method, code: record.code, refused: record.refused }));
  };
  return { served, session, records, settled };
}

/** Sends one request on `session` and resolves with the answer's status, headers, body and trailers. */
function http2Exchange(session: ClientHttp2Session, headers: Record<string, string>, body: Buffer) {
  return new Promise<{ status: number; body: Buffer; grpcStatus: string | undefined }>((resolve) => {
    const stream = session.request({ ":method": "POST", ...headers });
    let status = 0;
    let grpcStatus: string | undefined;
    const chunks: Buffer[] = [];
    stream.on("response", (received) => {
      status = Number(received[":status"]);
      grpcStatus = received["grpc-status"] as string | undefined;
    });
    stream.on("trailers", (received) => (grpcStatus = (received["grpc-status"] as string | undefined) ?? grpcStatus));
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("error", () => undefined);
    stream.on("close", () => resolve({ status, body: Buffer.concat(chunks), grpcStatus }));
    stream.end(body);
  });
}

t.test("Connect-protocol calls whose body Connect cannot decode are recorded, once each, with the status they were answered", async (t) => {
  const { served, session, settled } = await recordingServer(t);
  /** The code of a Connect error body, from its JSON. */
  const codeIn = (body: string) => codeFromString(String((JSON.parse(body.slice(body.indexOf("{"))) as { code?: unknown }).code));

  const body = '{"blobDigests": 5}';
  const http1 = await http1Exchange(
    served.socketPath,
    `POST ${FIND_MISSING} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
  );
  t.match(http1, /"code":"invalid_argument"/, `HTTP/1.1, JSON of the wrong shape: answered invalid_argument (${http1.split("\r\n")[0]})`);

  const http2 = await http2Exchange(session, { ":path": FIND_MISSING, "content-type": "application/proto" }, Buffer.from([0xff, 0xff, 0xff]));
  const http2Code = codeIn(http2.body.toString());
  t.ok(http2Code !== undefined && http2.status >= 400, `HTTP/2, bytes that are no message: answered an error (HTTP ${http2.status}: ${http2.body.toString()})`);

  t.strictSame(
    await settled(2),
    [
      { method: `${CAS}/FindMissingBlobs`, code: Code.InvalidArgument, refused: false },
      { method: `${CAS}/FindMissingBlobs`, code: http2Code, refused: false },
    ],
    "both recorded with the status they were answered",
  );
});

t.test("a gRPC call in a compression the server does not take is recorded with the status it was answered", async (t) => {
  const { session, settled } = await recordingServer(t);
  const answer = await rawGrpcCall(session, FIND_MISSING, frame(new Uint8Array()), { headers: { "grpc-encoding": "snappy" } });
  t.not(answer.code, 0, `refused (${answer.details})`);
  t.strictSame(await settled(1), [{ method: `${CAS}/FindMissingBlobs`, code: answer.code, refused: false }], "recorded once, with that status");
});

t.test("a Connect-protocol stream whose request envelope is cut short is recorded with the status its end-of-stream message carried", async (t) => {
  const { session, settled } = await recordingServer(t);
  // An envelope that announces 100 bytes and brings 3.
  const envelope = Buffer.from([0, 0, 0, 0, 100, 1, 2, 3]);
  const answer = await http2Exchange(session, { ":path": GET_TREE, "content-type": "application/connect+proto", "connect-protocol-version": "1" }, envelope);
  const code = codeOfAnswer(answer.status, "application/connect+proto", undefined, answer.body);
  t.not(code, 0, `the answer is an error (HTTP ${answer.status}, ${answer.body.subarray(5).toString()})`);
  t.strictSame(await settled(1), [{ method: `${CAS}/GetTree`, code, refused: false }], "recorded once, with that status");
});

t.test("a Connect-protocol call whose client goes away while its request is read is recorded as CANCELLED", async (t) => {
  const { served, session, settled } = await recordingServer(t);
  const stream = session.request({ ":method": "POST", ":path": FIND_MISSING, "content-type": "application/json" });
  stream.on("error", () => undefined);
  stream.write('{"blobDigests": [');
  await sleep(100);
  stream.close(constants.NGHTTP2_CANCEL);
  t.strictSame(await settled(1), [{ method: `${CAS}/FindMissingBlobs`, code: Code.Canceled, refused: false }], "HTTP/2, the stream reset: recorded once, as CANCELLED");

  const socket = connectSocket(served.socketPath);
  socket.on("error", () => undefined);
  socket.write(`POST ${FIND_MISSING} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"blobDigests": [`);
  await sleep(100);
  socket.destroy();
  t.strictSame(
    (await settled(2)).slice(1),
    [{ method: `${CAS}/FindMissingBlobs`, code: Code.Canceled, refused: false }],
    "HTTP/1.1, the connection closed: recorded once, as CANCELLED",
  );
});

t.test("calls the interceptor meters, and refusals, are still recorded once each", async (t) => {
  const { served, session, settled } = await recordingServer(t);
  const ok = await http2Exchange(session, { ":path": FIND_MISSING, "content-type": "application/json" }, Buffer.from('{"blobDigests": []}'));
  t.equal(ok.status, 200, "a Connect-protocol call is served");
  const grpcJson = await rawGrpcCall(session, FIND_MISSING, frame(Buffer.from("{}")), { headers: { "content-type": "application/grpc+json" } });
  t.equal(grpcJson.code, 0, "a gRPC call in the JSON codec is served");
  const refused = await http1Exchange(
    served.socketPath,
    "POST /build.bazel.remote.execution.v2.Execution/Execute HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
  );
  t.match(refused, /permission_denied/, "Execute is refused");
  t.strictSame(
    await settled(3),
    [
      { method: `${CAS}/FindMissingBlobs`, code: 0, refused: false },
      { method: `${CAS}/FindMissingBlobs`, code: 0, refused: false },
      { method: "build.bazel.remote.execution.v2.Execution/Execute", code: Code.PermissionDenied, refused: true },
    ],
    "one record each",
  );
});

t.test("codeOfAnswer reads the status each protocol puts in its answer", async (t) => {
  t.equal(codeOfAnswer(200, "application/grpc", "5", undefined), Code.NotFound, "gRPC: grpc-status");
  t.equal(codeOfAnswer(200, "application/grpc+json", "0", undefined), 0, "gRPC: OK");
  t.equal(codeOfAnswer(200, "application/grpc", undefined, undefined), Code.Unknown, "gRPC without a status: UNKNOWN");
  t.equal(codeOfAnswer(200, "application/grpc", "17", undefined), Code.Unknown, "gRPC with a status out of range: UNKNOWN");
  t.equal(codeOfAnswer(503, "application/grpc", undefined, undefined), Code.Unavailable, "gRPC refused at the HTTP level: the HTTP status's code");
  t.equal(codeOfAnswer(200, "application/json", undefined, Buffer.from("{}")), 0, "Connect unary: 200 is OK");
  t.equal(codeOfAnswer(400, "application/json", undefined, Buffer.from('{"code":"out_of_range","message":"x"}')), Code.OutOfRange, "Connect unary: the code in its error body");
  t.equal(codeOfAnswer(400, "application/json", undefined, Buffer.from("not json")), Code.Internal, "Connect unary, body not an error: the HTTP status's code");
  const endStream = (json: string) => {
    const body = Buffer.from(json);
    const header = Buffer.from([2, 0, 0, 0, 0]);
    header.writeUInt32BE(body.length, 1);
    return Buffer.concat([header, body]);
  };
  t.equal(codeOfAnswer(200, "application/connect+json", undefined, endStream('{"error":{"code":"resource_exhausted"}}')), Code.ResourceExhausted, "Connect stream: the error in its end-of-stream message");
  t.equal(codeOfAnswer(200, "application/connect+proto", undefined, endStream("{}")), 0, "Connect stream ended without an error: OK");
  t.equal(codeOfAnswer(200, "application/connect+proto", undefined, Buffer.from([0, 0, 0, 0, 0])), Code.Unknown, "Connect stream whose last message is not the end: UNKNOWN");
  t.equal(codeOfAnswer(415, "", undefined, undefined), Code.Unknown, "anything else: the HTTP status's code");
  t.equal(codeOfAnswer(404, "", undefined, undefined), Code.Unimplemented, "404: UNIMPLEMENTED");
});
