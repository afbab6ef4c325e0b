// Tests for src/backend/remote/upstream-transport.ts: what the upstream sees of our connection.
import { EventEmitter, once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Http2Session } from "node:http2";
import { join } from "node:path";
import { mock } from "node:test";
import t from "tap";
import { Capabilities } from "../../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { createUpstreamTransport } from "../../../src/backend/remote/upstream-transport.js";
import { callUpstream } from "../../../src/backend/remote/upstream-unary.js";
import { runReporting } from "../../helpers/module-report.js";
import { answer, SHA256_CAPABILITIES, standIn, standInSocket } from "../../helpers/stand-in-upstream.js";

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

t.test("a run that closes its upstream connection loads no fetch implementation", async (t) => {
  const { path, dir } = await standInSocket(t, (request, response) => (request.resume(), answer(response, 0, [SHA256_CAPABILITIES])));

  // The built tool, around a command, with a reporter preloaded: the upstream is closed as the run ends.
  const run = await runReporting(["--remote", `unix:${path}`, "--", "true"], dir);
  t.equal(run.exitCode, 0, `bst-cas-run --remote -- true succeeds: ${run.stderr}`);
  // Closing with a ConnectError as the reason built a fetch Headers: about 20 ms of every such run.
  t.equal(run.fetchLoaded, false, "and never loads Node's fetch implementation");
});

t.test("a long upload pings the upstream no sooner than every 5 minutes, which grpc-go servers allow", async (t) => {
  const FIVE_MINUTES_MS = 5 * 60_000;
  let pings = 0;
  const upstreamSaw = new EventEmitter();
  // A stand-in that takes a Write's data and, as upstreams do, answers nothing until its end.
  const open = await standIn(t, (request) => {
    request.stream.session?.on("ping", () => pings++);
    request.on("data", () => upstreamSaw.emit("data"));
  });
  // The session manager's keepalive timers run on a clock the test moves.
  mock.timers.enable({ apis: ["setTimeout"] });
  t.teardown(() => mock.timers.reset());
  const stream = await open("/google.bytestream.ByteStream/Write", { signal: AbortSignal.timeout(60_000) });
  // The HTTP/2 handshake ends before the clock moves: the connect timeout runs on that clock too.
  if (stream.session?.pendingSettingsAck === true) await once(stream.session, "localSettings");
  // Frames on a connection arrive in order: once the upstream has data written after a ping, it has the ping.
  const inStep = async () => {
    const seen = once(upstreamSaw, "data");
    stream.write(Buffer.alloc(1));
    await seen;
  };
  await inStep();
  mock.timers.tick(FIVE_MINUTES_MS - 1_000);
  await inStep();
  t.equal(pings, 0, "no ping in the first 5 minutes of the upload");
  mock.timers.tick(1_000);
  await inStep();
  t.equal(pings, 1, "one ping at 5 minutes, so the connection is still watched");
  stream.close();
  await once(stream, "close");
});
