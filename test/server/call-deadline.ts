// Tests for src/server/call-deadline.ts: timeout headers parsed, and timeouts longer than a timer holds served as no deadline on the lean path and on Connect's.
import type { IncomingHttpHeaders } from "node:http";
import t from "tap";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import grpc from "@grpc/grpc-js";
import {
  DirectorySchema,
  FindMissingBlobsRequestSchema,
  FindMissingBlobsResponseSchema,
  GetTreeRequestSchema,
  GetTreeResponseSchema,
} from "../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { ReadRequestSchema } from "../../src/gen/google/bytestream/bytestream_pb.js";
import { deadlineTimerMs, dropUnholdableTimeouts, grpcTimeoutMs, MAX_TIMER_MS } from "../../src/server/call-deadline.js";
import type { CallRecord } from "../../src/server/observe/call-record.js";
import { blobOf, codeName, digestOf } from "../helpers/grpc-call.js";
import { startInProcessServer } from "../helpers/in-process-server.js";
import { frame, rawGrpcCall, rawSession } from "../helpers/raw-grpc.js";
import { http1Exchange } from "../helpers/raw-http1.js";

const { OK } = grpc.status;
const REAPI = "build.bazel.remote.execution.v2";
const signal = new AbortController().signal;
/** Long enough after the headers that a deadline set to fire at once has passed. */
const SEND_AFTER_MS = 50;

t.test("grpc-timeout in every unit, and nothing for a malformed one", async (t) => {
  t.equal(grpcTimeoutMs("2H"), 7_200_000);
  t.equal(grpcTimeoutMs("3M"), 180_000);
  t.equal(grpcTimeoutMs("10S"), 10_000);
  t.equal(grpcTimeoutMs("250m"), 250);
  t.equal(grpcTimeoutMs("5000u"), 5);
  t.equal(grpcTimeoutMs("1000000n"), 1);
  t.equal(grpcTimeoutMs("99999999H"), 99_999_999 * 3_600_000, "the longest a client can ask for");
  for (const bad of [undefined, "", "10", "S", "123456789S", "1.5S", "-1S", ["1S"]]) t.equal(grpcTimeoutMs(bad), undefined, JSON.stringify(bad));
});

t.test("a timeout longer than a timer holds is no deadline", async (t) => {
  t.equal(deadlineTimerMs(0), 0);
  t.equal(deadlineTimerMs(MAX_TIMER_MS), MAX_TIMER_MS, "the longest a timer holds");
  t.equal(deadlineTimerMs(MAX_TIMER_MS + 1), undefined, "one more");
  t.equal(deadlineTimerMs(99_999_999 * 3_600_000), undefined);
});

t.test("only well-formed timeouts longer than a timer holds are removed for Connect", async (t) => {
  const cases: Array<[IncomingHttpHeaders, IncomingHttpHeaders]> = [
    [{ "grpc-timeout": "99999999H", other: "x" }, { other: "x" }],
    [{ "grpc-timeout": "596H" }, { "grpc-timeout": "596H" }],
    [{ "grpc-timeout": "597H" }, {}],
    [{ "grpc-timeout": "bad" }, { "grpc-timeout": "bad" }],
    [{ "connect-timeout-ms": "9999999999" }, {}],
    [{ "connect-timeout-ms": String(MAX_TIMER_MS) }, { "connect-timeout-ms": String(MAX_TIMER_MS) }],
    [{ "connect-timeout-ms": "-5" }, { "connect-timeout-ms": "-5" }],
  ];
  for (const [given, kept] of cases) {
    const headers = { ...given };
    dropUnholdableTimeouts(headers);
    t.strictSame(headers, kept, JSON.stringify(given));
  }
});

t.test("calls with grpc-timeout 99999999H succeed, on the lean path and on Connect's", async (t) => {
  const records: CallRecord[] = [];
  const served = await startInProcessServer(t, { observe: (record) => records.push(record) });
  const session = rawSession(served.socketPath);
  t.teardown(() => session.destroy());
  const blob = blobOf(100_000, "long deadline");
  const digest = digestOf(blob);
  await served.store.writeBlob({ hash: digest.hash, sizeBytes: blob.byteLength }, [blob], signal);
  const directory = toBinary(DirectorySchema, create(DirectorySchema, { files: [{ name: "f", digest }] }));
  const directoryDigest = digestOf(directory);
  await served.store.writeBlob({ hash: directoryDigest.hash, sizeBytes: directory.byteLength }, [directory], signal);
  // The request comes a little after its headers: a deadline that fires at once has passed by then.
  const options = { headers: { "grpc-timeout": "99999999H" }, sendAfterMs: SEND_AFTER_MS };

  const read = await rawGrpcCall(
    session,
    "/google.bytestream.ByteStream/Read",
    frame(toBinary(ReadRequestSchema, create(ReadRequestSchema, { resourceName: `blobs/${digest.hash}/${digest.sizeBytes}` }))),
    options,
  );
  t.equal(codeName(read.code), codeName(OK), `lean Read (${read.malformed ?? read.details})`);
  t.equal(read.messages.reduce((sum, message) => sum + message.byteLength, 0) > blob.byteLength, true, "with the blob");

  const find = await rawGrpcCall(
    session,
    `/${REAPI}.ContentAddressableStorage/FindMissingBlobs`,
    frame(toBinary(FindMissingBlobsRequestSchema, create(FindMissingBlobsRequestSchema, { blobDigests: [digest] }))),
    options,
  );
  t.equal(codeName(find.code), codeName(OK), `lean unary FindMissingBlobs (${find.malformed ?? find.details})`);
  t.strictSame(fromBinary(FindMissingBlobsResponseSchema, find.messages[0] ?? new Uint8Array()).missingBlobDigests, [], "with its answer");

  const tree = await rawGrpcCall(
    session,
    `/${REAPI}.ContentAddressableStorage/GetTree`,
    frame(toBinary(GetTreeRequestSchema, create(GetTreeRequestSchema, { rootDigest: directoryDigest }))),
    options,
  );
  t.equal(codeName(tree.code), codeName(OK), `GetTree through Connect (${tree.malformed ?? tree.details})`);
  t.equal(fromBinary(GetTreeResponseSchema, tree.messages[0] ?? new Uint8Array()).directories.length, 1, "with the directory");
  const treeRecord = records.find((record) => record.method.endsWith("/GetTree"));
  t.equal(treeRecord?.code, 0, "and recorded as OK");

  const connectFind = await connectUnary(
    session,
    `/${REAPI}.ContentAddressableStorage/FindMissingBlobs`,
    toBinary(FindMissingBlobsRequestSchema, create(FindMissingBlobsRequestSchema, { blobDigests: [digest] })),
    { "connect-timeout-ms": "9999999999" },
  );
  t.equal(connectFind.status, 200, `the Connect protocol with connect-timeout-ms 9999999999 (${connectFind.body.toString()})`);
  t.strictSame(fromBinary(FindMissingBlobsResponseSchema, connectFind.body).missingBlobDigests, [], "with its answer");

  const body = JSON.stringify({ blobDigests: [{ hash: digest.hash, sizeBytes: String(digest.sizeBytes) }] });
  const http1 = await http1Exchange(
    served.socketPath,
    `POST /${REAPI}.ContentAddressableStorage/FindMissingBlobs HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Connect-Timeout-Ms: 9999999999\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
    body,
    { bodyAfterMs: SEND_AFTER_MS },
  );
  t.match(http1, /^HTTP\/1\.1 200 /, `the Connect protocol over HTTP/1.1 too (${http1.split("\r\n")[0]})`);
});

/** A unary call in the Connect protocol (binary) over `session`, its body sent a little after its headers. */
function connectUnary(
  session: ReturnType<typeof rawSession>,
  path: string,
  message: Uint8Array,
  headers: Record<string, string>,
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/proto", "connect-protocol-version": "1", ...headers });
    let status = 0;
    const chunks: Buffer[] = [];
    stream.on("response", (received) => (status = Number(received[":status"])));
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("error", reject);
    stream.on("close", () => resolve({ status, body: Buffer.concat(chunks) }));
    setTimeout(() => stream.end(message), SEND_AFTER_MS);
  });
}
