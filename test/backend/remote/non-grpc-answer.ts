// Tests for src/backend/remote/non-grpc-answer.ts: an upstream, or a proxy before it, answering plain HTTP instead of gRPC.
import { connect, type Http2ServerResponse } from "node:http2";
import { connect as connectSocket } from "node:net";
import t from "tap";
import { Code, ConnectError } from "@connectrpc/connect";
import { Capabilities } from "../../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { nonGrpcAnswer } from "../../../src/backend/remote/non-grpc-answer.js";
import { readFramesFromUpstream, writeToUpstream } from "../../../src/backend/remote/upstream-bytestream.js";
import { statusOf } from "../../../src/backend/remote/upstream-call.js";
import { callUpstream } from "../../../src/backend/remote/upstream-unary.js";
import { standIn, standInSocket } from "../../helpers/stand-in-upstream.js";

const failure = (work: Promise<unknown>) => work.then(() => "no error", (error: unknown) => error);
/** Long enough to be read as a gRPC frame header and more: what a gRPC client would make of an error page. */
const PAGE = `<html><head><title>Bad gateway</title></head><body>${"x".repeat(20_000)}</body></html>\n`;

/** Answers every call with `status` and a body of `contentType`, as a web server or proxy would. */
const plainHttp = (status: number, contentType: string) => (request: { resume(): unknown }, response: Http2ServerResponse) => {
  request.resume();
  response.writeHead(status, { "content-type": contentType });
  response.end(PAGE);
};

// gRPC's mapping of HTTP statuses to codes (grpc/doc/http-grpc-status-mapping.md); other statuses are UNKNOWN.
const CASES: Array<[number, string, Code]> = [
  [400, "text/html", Code.Internal],
  [401, "text/html; charset=utf-8", Code.Unauthenticated],
  [403, "text/plain", Code.PermissionDenied],
  [404, "text/html", Code.Unimplemented],
  [429, "text/plain", Code.Unavailable],
  [502, "text/html", Code.Unavailable],
  [503, "text/html", Code.Unavailable],
  [504, "text/html", Code.Unavailable],
  [500, "text/html", Code.Unknown],
  [200, "text/html", Code.Unknown],
];

t.test("a unary call answered with plain HTTP fails with the gRPC code for its status, in one line naming the status and content type", async (t) => {
  for (const [status, contentType, code] of CASES) {
    await t.test(`HTTP ${status} ${contentType}`, async (t) => {
      const open = await standIn(t, plainHttp(status, contentType));
      const error = await failure(callUpstream(open, Capabilities.method.getCapabilities, {}, { signal: AbortSignal.timeout(5_000) }));
      t.type(error, ConnectError, String(error));
      t.equal((error as ConnectError).code, code, Code[code]);
      t.equal((error as ConnectError).rawMessage, `the upstream answered HTTP ${status} (${contentType}), not gRPC`);
    });
  }
});

t.test("a ByteStream Read answered with an error page relays none of it as gRPC frames", async (t) => {
  const open = await standIn(t, plainHttp(502, "text/html"));
  const relayed: Buffer[] = [];
  const read = async () => {
    for await (const batch of readFramesFromUpstream(open, "blobs/ab/3", { offset: 0, limit: 0 }, { signal: AbortSignal.timeout(5_000) })) relayed.push(...batch);
  };
  const error = await failure(read());
  t.equal((error as ConnectError).code, Code.Unavailable, String(error));
  t.equal((error as ConnectError).rawMessage, "the upstream answered HTTP 502 (text/html), not gRPC");
  t.equal(Buffer.concat(relayed).byteLength, 0, "no byte of the page went to the client");
});

t.test("a ByteStream Write answered with an error page fails with its status", async (t) => {
  const open = await standIn(t, plainHttp(403, "text/html"));
  const error = await failure(writeToUpstream(open, "uploads/u/blobs/ab/3", [Buffer.from("abc")], { signal: AbortSignal.timeout(5_000) }));
  t.equal((error as ConnectError).code, Code.PermissionDenied, String(error));
  t.equal((error as ConnectError).rawMessage, "the upstream answered HTTP 403 (text/html), not gRPC");
});

t.test("an answer without a content type is named so", async (t) => {
  const open = await standIn(t, (request, response) => {
    request.resume();
    response.writeHead(503);
    response.end();
  });
  const error = await failure(callUpstream(open, Capabilities.method.getCapabilities, {}, { signal: AbortSignal.timeout(5_000) }));
  t.equal((error as ConnectError).code, Code.Unavailable, String(error));
  t.equal((error as ConnectError).rawMessage, "the upstream answered HTTP 503 (no content type), not gRPC");
});

t.test("gRPC answers are left alone: application/grpc and its +proto form, and a trailers-only status whatever the HTTP status", async (t) => {
  t.equal(nonGrpcAnswer({ ":status": 200, "content-type": "application/grpc" }), undefined);
  t.equal(nonGrpcAnswer({ ":status": 200, "content-type": "application/grpc+proto" }), undefined);
  t.equal(nonGrpcAnswer({ ":status": 200 }), undefined, "a 200 without a content type is taken as gRPC, as before");
  t.equal(nonGrpcAnswer({ ":status": 200, "content-type": "text/html", "grpc-status": "5" }), undefined, "a gRPC status says it is gRPC");
  t.equal(nonGrpcAnswer({ ":status": 200, "content-type": "application/grpc-web" })?.code, Code.Unknown, "gRPC-web is not gRPC");
});

t.test("statusOf reads the same status from a non-gRPC answer on a stream opened any other way", async (t) => {
  const { path } = await standInSocket(t, plainHttp(404, "text/html"));
  const session = connect("http://localhost", { createConnection: () => connectSocket(path) });
  t.teardown(() => session.close());
  const stream = session.request({ ":method": "POST", ":path": "/google.bytestream.ByteStream/Read", "content-type": "application/grpc" });
  const status = statusOf(stream, new AbortController().signal);
  stream.end();
  stream.resume();
  t.strictSame(await status, { code: Code.Unimplemented, message: "the upstream answered HTTP 404 (text/html), not gRPC" });
});
