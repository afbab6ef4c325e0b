// `serve` as a real child process: SIGHUP, SIGINT and SIGTERM stop it cleanly; a second signal during the stop ends it at once.
import { execFileSync } from "node:child_process";
import { constants, existsSync, mkdtempSync, openSync, closeSync, rmSync } from "node:fs";
import { request, Agent } from "node:http";
import { join } from "node:path";
import t, { type Test } from "tap";
import { startTool } from "../helpers/run-tool.js";

/** A fresh runtime directory (short, for the socket path) and store. */
function fresh(t: Test): { socket: string; args: string[]; dir: string } {
  const dir = mkdtempSync("/tmp/bcr-serve-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const socket = join(dir, "s.sock");
  return { socket, dir, args: ["serve", "--socket", socket, "--cache-dir", join(dir, "cache")] };
}

/** Resolves once the child has said it is serving. */
async function serving(child: ReturnType<typeof startTool>): Promise<void> {
  let seen = "";
  await new Promise<void>((resolve, reject) => {
    child.stderr?.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes("serving on")) resolve();
    });
    child.once("exit", () => reject(new Error(`serve ended before serving: ${seen}`)));
  });
}

for (const signal of ["SIGHUP", "SIGINT", "SIGTERM"] as const) {
  t.test(`${signal}: stops, removes the socket, exits 0`, async (t) => {
    const { socket, args } = fresh(t);
    const child = startTool(args);
    await serving(child);
    t.ok(existsSync(socket), "the socket is there while serving");
    child.kill(signal);
    const result = await child;
    t.equal(result.exitCode, 0, `exit status; stderr: ${result.stderr}`);
    t.equal(result.signal, undefined, "not ended by the signal");
    t.match(result.stderr, new RegExp(`^bst-cas-run: serving on ${socket}\\nbst-cas-run: ${signal}, stopping$`));
    t.notOk(existsSync(socket), "the socket is gone");
  });
}

t.test("a second signal while the stop waits ends it at once, by that signal, and removes the socket", async (t) => {
  const { socket, args, dir } = fresh(t);
  // The call log goes to a FIFO nobody reads: once its buffer is full, closing the log at the
  // stop waits for ever, which is the slow stop a second signal cuts short.
  const fifo = join(dir, "log.fifo");
  execFileSync("mkfifo", [fifo]);
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  t.teardown(() => closeSync(reader));
  const child = startTool([...args, "--log-file", fifo]);
  await serving(child);
  await fillLog(socket, 1500);
  child.kill("SIGHUP");
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal(child.exitCode, null, "still stopping: the log cannot be closed");
  const forcedAt = Date.now();
  child.kill("SIGTERM");
  const result = await child;
  t.equal(result.signal, "SIGTERM", `ended by the second signal itself (a shell shows 143); stderr: ${result.stderr}`);
  t.ok(Date.now() - forcedAt < 3000, "at once, not after execa's SIGKILL");
  t.match(result.stderr, /bst-cas-run: SIGHUP, stopping\nbst-cas-run: SIGTERM again, exiting without waiting for the stop to finish$/);
  t.notOk(existsSync(socket), "the socket is gone");
});

/** Makes `count` GetCapabilities calls over HTTP/1.1 (the Connect protocol), each a line in the call log. */
async function fillLog(socket: string, count: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const call = () =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        { agent, socketPath: socket, method: "POST", path: "/build.bazel.remote.execution.v2.Capabilities/GetCapabilities", headers: { "content-type": "application/json" } },
        (res) => {
          res.resume();
          res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
        },
      );
      req.on("error", reject);
      req.end("{}");
    });
  for (let done = 0; done < count; done += 50) await Promise.all(Array.from({ length: 50 }, call));
  agent.destroy();
}
