// Tests for src/backend/remote/upstream-transport.ts: what the upstream sees of our connection (windows, frame sizes, bytes).
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Http2Server, type Http2Session } from "node:http2";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import t, { type Test } from "tap";
import { Capabilities } from "../../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { createUpstreamTransport } from "../../../src/backend/remote/upstream-transport.js";
import type { RemoteAddress } from "../../../src/backend/remote/remote-url.js";
import { callUpstream } from "../../../src/backend/remote/upstream-unary.js";
import { Rng, sha256Hex } from "../../helpers/fuzz-inputs.js";

t.test("the connection window is raised to 16 MiB, not left at HTTP/2's 64 KiB", async (t) => {
  const dir = await mkdtemp("/tmp/bcr-up-");
  const path = join(dir, "up.sock");
  const sessions: Http2Session[] = [];
  // A stand-in upstream: it answers every call with an empty OK, and keeps its sessions to look at.
  const server = createServer((request, response) => {
    request.resume();
    response.writeHead(200, { "content-type": "application/grpc" });
    response.write(Buffer.from([0, 0, 0, 0, 0]));
    response.addTrailers({ "grpc-status": "0" });
    response.end();
  });
  server.on("session", (session) => sessions.push(session));
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const upstream = createUpstreamTransport({ kind: "unix", path, text: `unix:${path}` }, {});
  t.teardown(async () => {
    upstream.close();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });
  await callUpstream(upstream.openCall, Capabilities.method.getCapabilities, {}, { signal: AbortSignal.timeout(10_000) });
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.equal(sessions.length, 1, "one connection");
  // Less the 5 bytes of the answer, which are not acknowledged yet.
  const window = sessions[0]?.state.remoteWindowSize ?? 0;
  t.ok(window > 16 * 1024 * 1024 - 1024, `the upstream may send about 16 MiB before our acknowledgement (${window} bytes)`);
});

/** A stand-in upstream taking one upload: the sizes of the DATA chunks it was given, and a hash of their bytes. */
async function uploadTo(t: Test, listen: (server: Http2Server) => Promise<RemoteAddress>, maxFrameSize: number) {
  const received: { chunks: number[]; hash: string }[] = [];
  const server = createServer({ settings: { maxFrameSize } }, (request, response) => {
    const hash = createHash("sha256");
    const chunks: number[] = [];
    request.on("data", (chunk: Buffer) => {
      chunks.push(chunk.length);
      hash.update(chunk);
    });
    request.on("end", () => {
      received.push({ chunks, hash: hash.digest("hex") });
      response.writeHead(200, { "content-type": "application/grpc" });
      response.addTrailers({ "grpc-status": "0" });
      response.end();
    });
  });
  const address = await listen(server);
  const upstream = createUpstreamTransport(address, {});
  t.teardown(async () => {
    upstream.close();
    await new Promise((resolve) => server.close(resolve));
  });
  const body = new Rng(maxFrameSize).bytes(4 * 1024 * 1024);
  const stream = await upstream.openCall("/test.Upload/Put", { signal: AbortSignal.timeout(20_000) });
  for (let offset = 0; offset < body.length; offset += 1024 * 1024) stream.write(body.subarray(offset, offset + 1024 * 1024));
  stream.end();
  await new Promise((resolve) => stream.once("close", resolve));
  t.equal(received.length, 1, "one upload arrived");
  return { sent: sha256Hex(body), ...received[0]! };
}

const onUnixSocket = (t: Test) => async (server: Http2Server): Promise<RemoteAddress> => {
  // Not in t.testdir(): its path is too long for a socket's sun_path.
  const dir = await mkdtemp("/tmp/bcr-up-");
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, "up.sock");
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return { kind: "unix", path, text: `unix:${path}` };
};
const onLoopback = async (server: Http2Server): Promise<RemoteAddress> => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { kind: "tcp", host: "127.0.0.1", port, tls: false, text: `grpc://127.0.0.1:${port}` };
};

t.test("uploads reach an upstream that takes 1 MiB frames in frames larger than Node's 16 KiB, intact", async (t) => {
  for (const [where, listen] of [["a UNIX socket", onUnixSocket(t)], ["TCP (grpc://)", onLoopback]] as const) {
    const upload = await uploadTo(t, listen, 1024 * 1024);
    t.equal(upload.hash, upload.sent, `${where}: the bytes arrived as sent`);
    const largest = Math.max(...upload.chunks);
    t.ok(largest > 16_384, `${where}: DATA chunks of up to ${largest} bytes (${upload.chunks.length} chunks for 4 MiB)`);
  }
});

t.test("an upstream that keeps HTTP/2's 16 KiB frames gets no larger one", async (t) => {
  const upload = await uploadTo(t, onUnixSocket(t), 16_384);
  t.equal(upload.hash, upload.sent, "the bytes arrived as sent");
  t.ok(Math.max(...upload.chunks) <= 16_384, `DATA chunks of at most ${Math.max(...upload.chunks)} bytes`);
});
