// Tests for src/backend/remote/upstream-transport.ts: what the upstream sees of our connection.
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Http2Session } from "node:http2";
import { join } from "node:path";
import t from "tap";
import { Capabilities } from "../../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { createUpstreamTransport } from "../../../src/backend/remote/upstream-transport.js";
import { callUpstream } from "../../../src/backend/remote/upstream-unary.js";
import { runReporting } from "../../helpers/module-report.js";
import { answer, SHA256_CAPABILITIES, standInSocket } from "../../helpers/stand-in-upstream.js";

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
