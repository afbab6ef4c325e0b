// Tests for src/backend/remote/open-remote-backend.ts: the start-up check against upstreams that never answer, or answer plain HTTP.
import { existsSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { openRemoteBackend } from "../../../src/backend/remote/open-remote-backend.js";
import { ToolError } from "../../../src/run/tool-error.js";
import { runTool } from "../../helpers/run-tool.js";
import { silentUpstream } from "../../helpers/silent-upstream.js";
import { standInSocket } from "../../helpers/stand-in-upstream.js";

t.test("an upstream that never completes the HTTP/2 handshake fails the start-up check in one line, soon after --connect-timeout", async (t) => {
  const silent = await silentUpstream(t, "unix");
  const started = performance.now();
  const error = await openRemoteBackend({ url: `unix:${silent.path}`, instanceName: "", connectTimeoutMs: 300 }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  const ms = performance.now() - started;
  t.type(error, ToolError);
  t.equal(
    (error as Error).message,
    `cannot use the upstream REAPI server at unix:${silent.path}: UNAVAILABLE: the server at unix:${silent.path} accepted the connection but did not complete the HTTP/2 handshake within 0.3 s`,
  );
  t.ok(ms < 1_500, `soon after the timeout (${Math.round(ms)} ms)`);
});

t.test("an upstream that connects but never answers GetCapabilities fails the start-up check at twice --connect-timeout, saying so", async (t) => {
  const { path } = await standInSocket(t, (request) => void request.resume());
  const error = await openRemoteBackend({ url: `unix:${path}`, instanceName: "", connectTimeoutMs: 300 }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  t.type(error, ToolError);
  t.equal((error as Error).message, `cannot use the upstream REAPI server at unix:${path}: no answer to GetCapabilities within 0.6 s`);
});

t.test("the built tool, with BST_CAS_RUN_CONNECT_TIMEOUT and with --connect-timeout, stops at start in one line: 125, the command never run", async (t) => {
  const silent = await silentUpstream(t, "unix");
  const dir = t.testdir({});
  const cases = [
    { name: "the flag", args: ["--connect-timeout", "0.3"], env: {} },
    { name: "the variable", args: [], env: { BST_CAS_RUN_CONNECT_TIMEOUT: "0.3" } },
  ];
  for (const { name, args, env } of cases) {
    const started = performance.now();
    const run = await runTool(["--remote", `unix:${silent.path}`, ...args, "--sandbox", "none", "--", "touch", "ran"], { cwd: dir, env: { ...process.env, ...env } });
    const ms = performance.now() - started;
    t.equal(run.exitCode, 125, `${name}: exit 125`);
    t.equal(
      run.stderr.trim(),
      `bst-cas-run: cannot use the upstream REAPI server at unix:${silent.path}: UNAVAILABLE: the server at unix:${silent.path} accepted the connection but did not complete the HTTP/2 handshake within 0.3 s`,
      `${name}: one line naming the upstream and the timeout`,
    );
    t.ok(ms < 5_000, `${name}: soon (${Math.round(ms)} ms)`);
    t.notOk(existsSync(join(dir, "ran")), `${name}: the command never ran`);
  }
});

t.test("a proxy answering the start-up check with an HTTP error page fails it in one line naming the HTTP status", async (t) => {
  const { path } = await standInSocket(t, (request, response) => {
    request.resume();
    response.writeHead(404, { "content-type": "text/html" });
    response.end("<html><body>Not Found</body></html>\n");
  });
  const error = await openRemoteBackend({ url: `unix:${path}`, instanceName: "", connectTimeoutMs: 5_000 }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  t.type(error, ToolError);
  t.equal((error as Error).message, `cannot use the upstream REAPI server at unix:${path}: UNIMPLEMENTED: the upstream answered HTTP 404 (text/html), not gRPC`);
});
