// Tests for src/backend/remote/upstream-socket.ts: an upstream that accepts the connection but never completes a handshake.
import { once } from "node:events";
import { createServer } from "node:http2";
import t from "tap";
import { Code, ConnectError } from "@connectrpc/connect";
import { Capabilities } from "../../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { RemoteBackend } from "../../../src/backend/remote/remote-backend.js";
import type { RemoteAddress } from "../../../src/backend/remote/remote-url.js";
import { createUpstreamTransport } from "../../../src/backend/remote/upstream-transport.js";
import { callUpstream } from "../../../src/backend/remote/upstream-unary.js";
import { silentUpstream, unacceptingPort } from "../../helpers/silent-upstream.js";
import { answer, SHA256_CAPABILITIES } from "../../helpers/stand-in-upstream.js";

const GET_CAPABILITIES = Capabilities.method.getCapabilities;
const STILL_WAITING = Symbol("still waiting");

/** How `work` ended and after how long; STILL_WAITING when it had not ended after `limitMs` (the old code's hang). */
async function outcome(work: Promise<unknown>, limitMs = 3_000): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise((resolve) => (timer = setTimeout(() => resolve(STILL_WAITING), limitMs)));
  const error = await Promise.race([work.then(() => "no error", (caught: unknown) => caught), limit]);
  clearTimeout(timer);
  return { error, ms: performance.now() - started };
}

const unixAddress = (path: string): RemoteAddress => ({ kind: "unix", path, text: `unix:${path}` });

t.test("an upstream that accepts the connection but never sends its SETTINGS fails the call UNAVAILABLE within the connect timeout", async (t) => {
  const silent = await silentUpstream(t, "unix");
  const upstream = createUpstreamTransport(unixAddress(silent.path), {}, { connectTimeoutMs: 300 });
  t.teardown(() => upstream.close());
  const { error, ms } = await outcome(callUpstream(upstream.openCall, GET_CAPABILITIES, {}, { signal: AbortSignal.timeout(60_000) }));
  t.type(error, ConnectError, `the call failed (${String(error)})`);
  t.equal((error as ConnectError).code, Code.Unavailable);
  t.equal((error as ConnectError).rawMessage, `the server at unix:${silent.path} accepted the connection but did not complete the HTTP/2 handshake within 0.3 s`);
  t.ok(ms >= 250 && ms < 1_500, `after the timeout, not long after (${Math.round(ms)} ms)`);
});

t.test("a grpcs:// upstream that never answers the TLS handshake fails the call within the connect timeout", async (t) => {
  const silent = await silentUpstream(t, "tcp");
  const text = `grpcs://127.0.0.1:${silent.port}`;
  const upstream = createUpstreamTransport({ kind: "tcp", host: "127.0.0.1", port: silent.port, tls: true, text }, {}, { connectTimeoutMs: 300 });
  t.teardown(() => upstream.close());
  const { error, ms } = await outcome(callUpstream(upstream.openCall, GET_CAPABILITIES, {}, { signal: AbortSignal.timeout(60_000) }));
  t.type(error, ConnectError, `the call failed (${String(error)})`);
  t.equal((error as ConnectError).code, Code.Unavailable);
  t.equal((error as ConnectError).rawMessage, `the server at ${text} accepted the connection but did not complete the TLS handshake within 0.3 s`);
  t.ok(ms < 1_500, `soon after the timeout (${Math.round(ms)} ms)`);
});

t.test("a grpc:// connect that hangs (no SYN-ACK) fails the call within the connect timeout", async (t) => {
  const port = await unacceptingPort(t);
  const text = `grpc://127.0.0.1:${port}`;
  const upstream = createUpstreamTransport({ kind: "tcp", host: "127.0.0.1", port, tls: false, text }, {}, { connectTimeoutMs: 300 });
  t.teardown(() => upstream.close());
  const { error, ms } = await outcome(callUpstream(upstream.openCall, GET_CAPABILITIES, {}, { signal: AbortSignal.timeout(60_000) }));
  t.type(error, ConnectError, `the call failed (${String(error)})`);
  t.equal((error as ConnectError).code, Code.Unavailable);
  t.equal((error as ConnectError).rawMessage, `could not connect to the server at ${text} within 0.3 s`);
  t.ok(ms < 1_500, `soon after the timeout (${Math.round(ms)} ms)`);
});

t.test("a call cancelled while the connection is still being made ends at once", async (t) => {
  const silent = await silentUpstream(t, "tcp");
  const text = `grpcs://127.0.0.1:${silent.port}`;
  const upstream = createUpstreamTransport({ kind: "tcp", host: "127.0.0.1", port: silent.port, tls: true, text }, {}, { connectTimeoutMs: 60_000 });
  t.teardown(() => upstream.close());
  const controller = new AbortController();
  const reason = new Error("the client hung up");
  setTimeout(() => controller.abort(reason), 100);
  const { error, ms } = await outcome(callUpstream(upstream.openCall, GET_CAPABILITIES, {}, { signal: controller.signal }));
  t.equal(error, reason, "the call ends with the cancellation's reason");
  t.ok(ms < 1_000, `at once (${Math.round(ms)} ms)`);
});

t.test("a connection given up on is made again for a later call, once the upstream answers", async (t) => {
  const silent = await silentUpstream(t, "unix");
  const upstream = createUpstreamTransport(unixAddress(silent.path), {}, { connectTimeoutMs: 300 });
  const first = await outcome(callUpstream(upstream.openCall, GET_CAPABILITIES, {}, { signal: AbortSignal.timeout(60_000) }));
  t.equal((first.error as ConnectError).code, Code.Unavailable, "the first call fails");

  // The upstream comes alive on the same socket path.
  await silent.close();
  const server = createServer((request, response) => (request.resume(), answer(response, 0, [SHA256_CAPABILITIES])));
  server.listen(silent.path);
  await once(server, "listening");
  t.teardown(async () => {
    // Our connection first: the server's close waits for it.
    upstream.close();
    await new Promise((resolve) => server.close(resolve));
  });
  const second = await outcome(callUpstream(upstream.openCall, GET_CAPABILITIES, {}, { signal: AbortSignal.timeout(5_000) }));
  t.equal(second.error, "no error", "the next call connects again and gets its answer");
});

t.test("a call through the backend is not retried after a connect timeout: each try would wait as long again", async (t) => {
  const silent = await silentUpstream(t, "unix");
  const upstream = createUpstreamTransport(unixAddress(silent.path), {}, { connectTimeoutMs: 300 });
  t.teardown(() => upstream.close());
  const backend = new RemoteBackend(upstream.openCall, "", upstream.close);
  const { error, ms } = await outcome(backend.findMissingBlobs([{ hash: "ab".repeat(32), sizeBytes: 3 }], AbortSignal.timeout(60_000)));
  t.equal((error as ConnectError).code, Code.Unavailable, `UNAVAILABLE (${String(error)})`);
  t.ok(ms < 1_000, `after one timeout, not four (${Math.round(ms)} ms)`);
  t.equal(silent.accepted(), 1, "one connection tried");
});
