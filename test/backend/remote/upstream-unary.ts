// Tests for src/backend/remote/upstream-unary.ts (and RemoteBackend's request metadata and cache misses) against a stand-in upstream on node:http2.
import { join } from "node:path";
import t from "tap";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  ActionCache,
  ActionResultSchema,
  ContentAddressableStorage,
  FindMissingBlobsRequestSchema,
  FindMissingBlobsResponseSchema,
  GetActionResultRequestSchema,
} from "../../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { RemoteBackend } from "../../../src/backend/remote/remote-backend.js";
import { callUpstream, callUpstreamUnlessNotFound } from "../../../src/backend/remote/upstream-unary.js";
import { grpcFrame, grpcMessages } from "../../../src/server/grpc-frames.js";
import { REQUEST_METADATA_HEADER } from "../../../src/server/request-metadata.js";
import { callReportingServe } from "../../helpers/module-report.js";
import { frame } from "../../helpers/raw-grpc.js";
import { answer, SHA256_CAPABILITIES, standIn, standInSocket } from "../../helpers/stand-in-upstream.js";

const FIND_MISSING = ContentAddressableStorage.method.findMissingBlobs;
const HASH = "ab".repeat(32);
const scope = () => ({ signal: AbortSignal.timeout(10_000) });
const failure = (work: Promise<unknown>) => work.then(() => undefined, (error: unknown) => error);

t.test("one request encoded, one answer decoded, on the method's path with our headers", async (t) => {
  const seen: { path: string | undefined; authorization: string | undefined; metadata: unknown; request: unknown }[] = [];
  const open = await standIn(t, async (request, response) => {
    const messages = [];
    for await (const bytes of grpcMessages(request as AsyncIterable<Buffer>, 1 << 20)) messages.push(fromBinary(FindMissingBlobsRequestSchema, bytes));
    seen.push({ path: request.url, authorization: request.headers.authorization, metadata: request.headers[REQUEST_METADATA_HEADER], request: messages.map((m) => m.instanceName) });
    answer(response, 0, [toBinary(FindMissingBlobsResponseSchema, create(FindMissingBlobsResponseSchema, { missingBlobDigests: [{ hash: HASH, sizeBytes: 3n }] }))]);
  });
  const found = await callUpstream(open, FIND_MISSING, { instanceName: "main", blobDigests: [{ hash: HASH, sizeBytes: 3n }] }, { ...scope(), requestMetadata: "AAEC" });
  t.strictSame(found.missingBlobDigests.map((d) => [d.hash, d.sizeBytes]), [[HASH, 3n]], "the answer decoded");
  t.strictSame(seen, [
    { path: "/build.bazel.remote.execution.v2.ContentAddressableStorage/FindMissingBlobs", authorization: "Bearer sesame", metadata: "AAEC", request: ["main"] },
  ]);
});

t.test("the upstream's status becomes the error, with its message decoded", async (t) => {
  const open = await standIn(t, (request, response) => {
    request.resume();
    answer(response, Code.NotFound, [], "no result for ab/3 (100%)");
  });
  const error = await failure(callUpstream(open, ActionCache.method.getActionResult, {}, scope()));
  t.type(error, ConnectError);
  t.equal((error as ConnectError).code, Code.NotFound);
  t.equal((error as ConnectError).rawMessage, "no result for ab/3 (100%)");
});

t.test("a trailers-only answer carries the status in its headers", async (t) => {
  const open = await standIn(t, (request, response) => {
    request.resume();
    response.writeHead(200, { "content-type": "application/grpc", "grpc-status": String(Code.PermissionDenied), "grpc-message": "no" });
    response.end();
  });
  const error = await failure(callUpstream(open, FIND_MISSING, {}, scope()));
  t.equal((error as ConnectError).code, Code.PermissionDenied);
});

t.test("answers that break the unary contract are INTERNAL, a broken stream UNAVAILABLE", async (t) => {
  const cases: Array<[string, Parameters<typeof standIn>[1], Code, RegExp]> = [
    ["OK without a message", (request, response) => (request.resume(), answer(response, 0)), Code.Internal, /without a message/],
    [
      "two messages",
      (request, response) => (request.resume(), answer(response, 0, [new Uint8Array(0), new Uint8Array(0)])),
      Code.Internal,
      /more than one message/,
    ],
    ["a message that does not parse", (request, response) => (request.resume(), answer(response, 0, [Buffer.from([0xff, 0xff])])), Code.Internal, /does not parse/],
    [
      "reset mid-answer",
      (request, response) => {
        request.resume();
        response.writeHead(200, { "content-type": "application/grpc" });
        response.write(grpcFrame(new Uint8Array(10)).subarray(0, 8));
        setTimeout(() => response.stream.close(2), 20);
      },
      Code.Unavailable,
      /./,
    ],
    ["no gRPC status at all", (request, response) => (request.resume(), response.writeHead(200, { "content-type": "application/grpc" }), response.end()), Code.Unavailable, /without a gRPC status/],
  ];
  for (const [name, serve, code, message] of cases) {
    const open = await standIn(t, serve);
    const error = await failure(callUpstream(open, FIND_MISSING, {}, scope()));
    t.type(error, ConnectError, name);
    t.equal((error as ConnectError).code, code, `${name}: ${(error as Error).message}`);
    t.match((error as ConnectError).rawMessage, message, name);
  }
});

t.test("cancelling the served call cancels the upstream call", async (t) => {
  let closed!: () => void;
  const upstreamClosed = new Promise<void>((resolve) => (closed = resolve));
  const open = await standIn(t, (request) => {
    request.resume();
    request.stream.once("close", closed);
  });
  const controller = new AbortController();
  const call = failure(callUpstream(open, FIND_MISSING, {}, { signal: controller.signal }));
  setTimeout(() => controller.abort(new ConnectError("client went away", Code.Canceled)), 50);
  t.type(await call, Error, "the call ends");
  await upstreamClosed;
  t.pass("the upstream saw its stream closed");
});

t.test("a RemoteBackend scoped to a call's request metadata sends it; the unscoped one sends none", async (t) => {
  const metadata: unknown[] = [];
  const open = await standIn(t, (request, response) => {
    request.resume();
    metadata.push(request.headers[REQUEST_METADATA_HEADER]);
    answer(response, 0, [toBinary(ActionResultSchema, create(ActionResultSchema, { exitCode: 7 }))]);
  });
  const backend = new RemoteBackend(open, "");
  const digest = { hash: HASH, sizeBytes: 3 };
  t.equal((await backend.withRequestMetadata("AQID").getActionResult(digest, AbortSignal.timeout(10_000)))?.exitCode, 7);
  t.equal((await backend.getActionResult(digest, AbortSignal.timeout(10_000)))?.exitCode, 7);
  t.strictSame(metadata, ["AQID", undefined]);
});

t.test("a RemoteBackend passes what the client asked to have inline to the upstream, which decides", async (t) => {
  const asked: unknown[] = [];
  const open = await standIn(t, async (request, response) => {
    for await (const bytes of grpcMessages(request as AsyncIterable<Buffer>, 1 << 20)) {
      const message = fromBinary(GetActionResultRequestSchema, bytes);
      asked.push([message.inlineStdout, message.inlineStderr, message.inlineOutputFiles]);
    }
    answer(response, 0, [toBinary(ActionResultSchema, create(ActionResultSchema, { outputFiles: [{ path: "a.o", contents: Buffer.from("inline") }] }))]);
  });
  const backend = new RemoteBackend(open, "");
  const digest = { hash: HASH, sizeBytes: 3 };
  const result = await backend.getActionResult(digest, AbortSignal.timeout(10_000), { stdout: true, stderr: false, outputFiles: ["a.o", "b.o"] });
  t.equal(Buffer.from(result?.outputFiles[0]?.contents ?? []).toString(), "inline", "the upstream's answer as it came");
  await backend.getActionResult(digest, AbortSignal.timeout(10_000));
  t.strictSame(asked, [
    [true, false, ["a.o", "b.o"]],
    [false, false, []],
  ]);
});

t.test("callUpstreamUnlessNotFound: NOT_FOUND is no answer, OK the answer, any other status the error", async (t) => {
  const GET_ACTION_RESULT = ActionCache.method.getActionResult;
  const cases: Array<[string, Parameters<typeof standIn>[1], (outcome: unknown) => void]> = [
    ["NOT_FOUND in trailers", (request, response) => (request.resume(), answer(response, Code.NotFound, [], "miss")), (outcome) => t.equal(outcome, undefined)],
    [
      "NOT_FOUND trailers-only",
      (request, response) => {
        request.resume();
        response.writeHead(200, { "content-type": "application/grpc", "grpc-status": String(Code.NotFound) });
        response.end();
      },
      (outcome) => t.equal(outcome, undefined),
    ],
    [
      "OK",
      (request, response) => (request.resume(), answer(response, 0, [toBinary(ActionResultSchema, create(ActionResultSchema, { exitCode: 3 }))])),
      (outcome) => t.equal((outcome as { exitCode: number }).exitCode, 3),
    ],
    [
      "PERMISSION_DENIED",
      (request, response) => (request.resume(), answer(response, Code.PermissionDenied, [], "no")),
      (outcome) => t.equal((outcome as ConnectError).code, Code.PermissionDenied),
    ],
    ["OK without a message", (request, response) => (request.resume(), answer(response, 0)), (outcome) => t.equal((outcome as ConnectError).code, Code.Internal)],
  ];
  for (const [name, serve, check] of cases) {
    const open = await standIn(t, serve);
    const outcome = await callUpstreamUnlessNotFound(open, GET_ACTION_RESULT, {}, scope()).catch((error: unknown) => error);
    t.comment(name);
    check(outcome);
  }
});

t.test("serve --remote passes on a cache miss without loading Node's fetch implementation", async (t) => {
  const upstream = await standInSocket(t, (request, response) => {
    request.resume();
    if (request.url.endsWith("/GetCapabilities")) return answer(response, 0, [SHA256_CAPABILITIES]);
    response.writeHead(200, { "content-type": "application/grpc", "grpc-status": String(Code.NotFound) });
    response.end();
  });
  const request = frame(toBinary(GetActionResultRequestSchema, create(GetActionResultRequestSchema, { actionDigest: { hash: HASH, sizeBytes: 3n } })));
  const path = "/build.bazel.remote.execution.v2.ActionCache/GetActionResult";
  const { codes, fetchLoaded } = await callReportingServe(join(upstream.dir, "serve.sock"), ["--remote", `unix:${upstream.path}`], [[path, request], [path, request]]);
  t.strictSame(codes, [Code.NotFound, Code.NotFound], "the client sees NOT_FOUND, twice");
  // A ConnectError for the upstream's miss built a fetch Headers: undici, loaded once per server.
  t.equal(fetchLoaded, false, "and the miss never loads Node's fetch implementation");
});
