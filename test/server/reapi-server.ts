// The server's socket and protocols: a private socket, Connect JSON (HTTP/2 and 1.1) filtered like gRPC, request metadata accepted.
import { lstat } from "node:fs/promises";
import { connect as connectHttp2, type ClientHttp2Session, type IncomingHttpHeaders } from "node:http2";
import { connect as connectSocket } from "node:net";
import t from "tap";
import { create, toBinary } from "@bufbuild/protobuf";
import grpc from "@grpc/grpc-js";
import { Capabilities, ContentAddressableStorage, RequestMetadataSchema } from "../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { ByteStream } from "../../src/gen/google/bytestream/bytestream_pb.js";
import { EMPTY_BLOB_DIGEST } from "../../src/policy/digest.js";
import { call, callRaw, codeName, digestOf } from "../helpers/grpc-call.js";
import { startInProcessServer, type InProcessServer } from "../helpers/in-process-server.js";
import { rawSession } from "../helpers/raw-grpc.js";
import { http1Exchange } from "../helpers/raw-http1.js";

const REAPI = "build.bazel.remote.execution.v2";
const { OK, PERMISSION_DENIED, INVALID_ARGUMENT } = grpc.status;
const CAS = ContentAddressableStorage.method;

/** One HTTP/2 request on the socket; resolves with the status, headers and body. */
async function http2Request(served: InProcessServer, headers: Record<string, string>, body: string | Uint8Array) {
  const session: ClientHttp2Session = connectHttp2("http://localhost", { createConnection: () => connectSocket(served.socketPath) });
  session.on("error", () => undefined);
  try {
    return await new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const stream = session.request({ ":method": "POST", ...headers });
      const chunks: Buffer[] = [];
      let responseHeaders: IncomingHttpHeaders = {};
      stream.on("response", (received) => (responseHeaders = received));
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () =>
        resolve({ status: Number(responseHeaders[":status"]), headers: responseHeaders, body: Buffer.concat(chunks).toString("utf8") }),
      );
      stream.on("error", reject);
      stream.end(body);
    });
  } finally {
    session.close();
  }
}
const connectJson = (served: InProcessServer, path: string, body: unknown, extra: Record<string, string> = {}) =>
  http2Request(served, { ":path": path, "content-type": "application/json", "connect-protocol-version": "1", ...extra }, JSON.stringify(body));

t.test("the socket is private to its owner", async (t) => {
  const served = await startInProcessServer(t);
  const info = await lstat(served.socketPath);
  t.ok(info.isSocket(), "a UNIX socket");
  t.equal(info.mode & 0o777, 0o600, "mode 0600");
  t.ok(Buffer.byteLength(served.socketPath) < 107, "a path short enough for sun_path");
});

t.test("HTTP/2 sessions on the socket get the server's large flow-control windows and frames", async (t) => {
  const served = await startInProcessServer(t);
  const session = rawSession(served.socketPath);
  t.teardown(() => session.destroy());
  await new Promise((resolve) => session.once("remoteSettings", resolve));
  t.equal(session.remoteSettings.initialWindowSize, 8 * 1024 * 1024, "per stream");
  // The connection window is raised by a WINDOW_UPDATE once the session starts.
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.equal(session.state.remoteWindowSize, 8 * 1024 * 1024, "per connection");
  t.equal(session.remoteSettings.maxFrameSize, 1024 * 1024, "frames of up to 1 MiB, not 16 KiB");
});

t.test("the Connect protocol with JSON", async (t) => {
  const served = await startInProcessServer(t, { instanceName: "main" });

  const caps = await connectJson(served, `/${REAPI}.Capabilities/GetCapabilities`, { instanceName: "main" });
  t.equal(caps.status, 200, "an allowed method is served");
  t.match(caps.headers["content-type"], /^application\/json/);
  const capsBody = JSON.parse(caps.body) as { cacheCapabilities?: { digestFunctions?: string[] }; executionCapabilities?: { execEnabled?: boolean } };
  t.strictSame(capsBody.cacheCapabilities?.digestFunctions, ["SHA256"], "with the same answer as over gRPC");
  t.not(capsBody.executionCapabilities?.execEnabled, true, "execution disabled");

  const find = await connectJson(served, `/${REAPI}.ContentAddressableStorage/FindMissingBlobs`, {
    instanceName: "main",
    blobDigests: [{ hash: "ab".repeat(32), sizeBytes: "3" }, { hash: EMPTY_BLOB_DIGEST.hash, sizeBytes: "0" }],
  });
  t.equal(find.status, 200, "FindMissingBlobs is served");
  t.strictSame(JSON.parse(find.body), { missingBlobDigests: [{ hash: "ab".repeat(32), sizeBytes: "3" }] }, "and answers");

  const refusals: Array<{ path: string; body: unknown; status: number; code: string; names: string[] }> = [
    {
      path: "/google.longrunning.Operations/GetOperation",
      body: { name: "x" },
      status: 403,
      code: "permission_denied",
      names: ["google.longrunning.Operations/GetOperation"],
    },
    {
      path: `/${REAPI}.ActionCache/UpdateActionResult`,
      body: {},
      status: 403,
      code: "permission_denied",
      names: [`${REAPI}.ActionCache/UpdateActionResult`, "--action-cache-enable-update"],
    },
    { path: "/build.bazel.remote.asset.v1.Fetch/FetchBlob", body: {}, status: 403, code: "permission_denied", names: ["Fetch/FetchBlob"] },
    { path: "/no.such.Service/Method", body: {}, status: 404, code: "unimplemented", names: ["no.such.Service/Method"] },
    {
      path: `/${REAPI}.ContentAddressableStorage/FindMissingBlobs`,
      body: { instanceName: "other" },
      status: 403,
      code: "permission_denied",
      names: ["other"],
    },
    {
      path: `/${REAPI}.ContentAddressableStorage/FindMissingBlobs`,
      body: { instanceName: "main", blobDigests: [{ hash: "../../etc/passwd", sizeBytes: "1" }] },
      status: 400,
      code: "invalid_argument",
      names: ["etc/passwd"],
    },
  ];
  for (const refusal of refusals) {
    const answer = await connectJson(served, refusal.path, refusal.body);
    t.equal(answer.status, refusal.status, `${refusal.path}: HTTP ${refusal.status}`);
    const body = JSON.parse(answer.body) as { code?: string; message?: string };
    t.equal(body.code, refusal.code, `${refusal.path}: ${refusal.code}`);
    for (const name of refusal.names) t.match(body.message, name, `${refusal.path}: the message names ${name}`);
  }
});

t.test("protocols the server does not speak are not served", async (t) => {
  const served = await startInProcessServer(t);
  const grpcWeb = await http2Request(
    served,
    { ":path": `/${REAPI}.Capabilities/GetCapabilities`, "content-type": "application/grpc-web+proto" },
    new Uint8Array([0, 0, 0, 0, 0]),
  );
  t.not(grpcWeb.status, 200, `gRPC-Web is refused (HTTP ${grpcWeb.status})`);

  const after = await call(served.client(), Capabilities.method.getCapabilities, {});
  t.equal(codeName(after.code), codeName(OK), "the server still answers gRPC afterwards");
});

const http1 = (path: string, body: string) =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n` +
  `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

t.test("HTTP/1.1 on the socket (Connect with curl) is filtered the same way", async (t) => {
  const served = await startInProcessServer(t);
  const cases: Array<{ path: string; body: string; status: RegExp; answer: RegExp }> = [
    { path: `/${REAPI}.Capabilities/GetCapabilities`, body: "{}", status: /^HTTP\/1\.1 200 /, answer: /"digestFunctions":\["SHA256"\]/ },
    { path: `/${REAPI}.Execution/Execute`, body: "{}", status: /^HTTP\/1\.1 403 /, answer: /"permission_denied".*Execution\/Execute/ },
    { path: `/${REAPI}.ActionCache/UpdateActionResult`, body: "{}", status: /^HTTP\/1\.1 403 /, answer: /--action-cache-enable-update/ },
    { path: "/google.longrunning.Operations/ListOperations", body: "{}", status: /^HTTP\/1\.1 403 /, answer: /"permission_denied"/ },
    { path: "/no.such.Service/Method", body: "{}", status: /^HTTP\/1\.1 404 /, answer: /"unimplemented"/ },
    {
      path: `/${REAPI}.ContentAddressableStorage/FindMissingBlobs`,
      body: '{"instanceName":"other"}',
      status: /^HTTP\/1\.1 403 /,
      answer: /"permission_denied"/,
    },
  ];
  for (const { path, body, status, answer } of cases) {
    const reply = await http1Exchange(served.socketPath, http1(path, body));
    t.match(reply, status, `${path}: ${reply.split("\r\n")[0]}`);
    t.match(reply, answer, `${path}: the answer`);
  }
  const tlsHello = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03";
  const garbage = ["GARBAGE\r\n\r\n", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00", tlsHello, "\u0000".repeat(64)];
  for (const bytes of garbage) {
    const reply = await http1Exchange(served.socketPath, bytes);
    t.notMatch(reply, /^HTTP\/1\.1 2/, `${JSON.stringify(bytes.slice(0, 16))} is not served`);
  }
  const after = await call(served.client(), Capabilities.method.getCapabilities, {});
  t.equal(codeName(after.code), codeName(OK), "the server still answers gRPC afterwards");
});

t.test("the request-metadata header is accepted", async (t) => {
  const served = await startInProcessServer(t);
  const client = served.client();
  const metadataBytes = toBinary(
    RequestMetadataSchema,
    create(RequestMetadataSchema, {
      toolDetails: { toolName: "recc", toolVersion: "1.2.3" },
      actionId: "action-1",
      toolInvocationId: "invocation-1",
      correlatedInvocationsId: "build-1",
      actionMnemonic: "CppCompile",
      targetId: "//a:b",
    }),
  );
  const blob = Buffer.from("with request metadata\n");
  const digest = digestOf(blob);
  for (const [label, value] of [
    ["a RequestMetadata message", Buffer.from(metadataBytes)],
    ["bytes that are not a RequestMetadata", Buffer.from([0xff, 0xfe, 0x00, 0x07])],
    ["an empty value", Buffer.alloc(0)],
  ] as const) {
    const metadata = () => {
      const m = new grpc.Metadata();
      m.set(`${REAPI}.requestmetadata-bin`, value);
      return m;
    };
    const withIt = () => ({ metadata: metadata() });
    const write = { resourceName: `uploads/u1/blobs/${digest.hash}/${digest.sizeBytes}`, data: blob, finishWrite: true };
    const cases = [
      ["GetCapabilities", () => call(client, Capabilities.method.getCapabilities, {}, withIt()), OK],
      ["BatchUpdateBlobs", () => call(client, CAS.batchUpdateBlobs, { requests: [{ digest, data: blob }] }, withIt()), OK],
      ["Read", () => call(client, ByteStream.method.read, { resourceName: `blobs/${digest.hash}/${digest.sizeBytes}` }, withIt()), OK],
      ["Write", () => call(client, ByteStream.method.write, write, withIt()), OK],
      ["a malformed Read", () => call(client, ByteStream.method.read, { resourceName: "blobs/x/1" }, withIt()), INVALID_ARGUMENT],
      ["Execute (refused)", () => callRaw(client, `/${REAPI}.Execution/Execute`, "server_streaming", [], withIt()), PERMISSION_DENIED],
    ] as const;
    for (const [name, run, code] of cases) {
      const answer = await run();
      t.equal(codeName(answer.code), codeName(code), `${name} with ${label} (${answer.details})`);
    }
  }

  const viaConnect = await connectJson(served, `/${REAPI}.Capabilities/GetCapabilities`, {}, {
    [`${REAPI}.requestmetadata-bin`]: Buffer.from(metadataBytes).toString("base64"),
  });
  t.equal(viaConnect.status, 200, "and over the Connect protocol");
});
