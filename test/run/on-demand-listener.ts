// Tests for src/run/on-demand-listener.ts: nothing starts until a client connects or the set delay passes; early clients wait and are served; a failed start is reported once, to a client.
import { mkdtemp, rm, stat } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import t, { type Test } from "tap";
import { listenOnDemand, type OnDemandOptions, type OnDemandServer } from "../../src/run/on-demand-listener.js";

async function socketPath(t: Test): Promise<string> {
  const dir = await mkdtemp("/tmp/bcr-od-");
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return join(dir, "s.sock");
}

/** A stand-in server: it answers each connection's first bytes with "echo:" and them. */
function echoServer(closed: { count: number }): OnDemandServer {
  return {
    accept(socket: Socket) {
      socket.once("data", (data) => socket.end(`echo:${data}`));
      socket.resume();
    },
    close: async () => {
      closed.count++;
    },
  };
}

/** A listener whose server never starts ("store unreadable"), each failure reported into `failures`. */
function listenFailing(path: string, failures: string[], options?: OnDemandOptions) {
  return listenOnDemand(
    path,
    async () => {
      throw new Error("store unreadable");
    },
    (error) => failures.push((error as Error).message),
    options,
  );
}

/** Connects, sends `text`, and resolves with all that comes back ("" when the connection is dropped). */
function exchange(path: string, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(path, () => socket.write(text));
    let answer = "";
    socket.on("data", (data) => (answer += data));
    socket.on("error", () => undefined);
    socket.on("close", () => resolve(answer));
  });
}

t.test("the server starts on the first connection, once, and every early client is served", async (t) => {
  const path = await socketPath(t);
  let starts = 0;
  const closed = { count: 0 };
  let release!: () => void;
  const slowStart = new Promise<void>((resolve) => (release = resolve));
  const listener = await listenOnDemand(
    path,
    async () => {
      starts++;
      await slowStart;
      return echoServer(closed);
    },
    () => t.fail("no start failure"),
  );
  t.equal((await stat(path)).mode & 0o777, 0o600, "the socket is private");
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.equal(starts, 0, "nothing started before a client came");
  t.notOk(listener.started);
  const answers = Promise.all([exchange(path, "a"), exchange(path, "b"), exchange(path, "c")]);
  await new Promise((resolve) => setTimeout(resolve, 50));
  release();
  t.strictSame(await answers, ["echo:a", "echo:b", "echo:c"], "clients that came while it started are served");
  t.equal(await exchange(path, "d"), "echo:d", "and so are later ones");
  t.equal(starts, 1, "started once");
  await listener.close();
  t.equal(closed.count, 1, "close() closes the started server");
});

t.test("closing a listener nobody used starts nothing", async (t) => {
  const path = await socketPath(t);
  let starts = 0;
  const listener = await listenOnDemand(path, async () => (starts++, echoServer({ count: 0 })), () => undefined);
  await listener.close();
  t.equal(starts, 0);
});

t.test("a server that fails to start is reported once, and its clients are disconnected", async (t) => {
  const path = await socketPath(t);
  const failures: string[] = [];
  const listener = await listenFailing(path, failures);
  t.strictSame(await Promise.all([exchange(path, "a"), exchange(path, "b")]), ["", ""], "both connections are dropped");
  t.equal(await exchange(path, "c"), "", "and a later one too");
  t.strictSame(failures, ["store unreadable"], "reported once");
  await listener.close();
});

t.test("with startAfterMs the server starts without a client, once, and serves the clients that come", async (t) => {
  const path = await socketPath(t);
  let starts = 0;
  const closed = { count: 0 };
  const listener = await listenOnDemand(path, async () => (starts++, echoServer(closed)), () => t.fail("no start failure"), { startAfterMs: 20 });
  t.equal(starts, 0, "not at once");
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.equal(starts, 1, "started once the delay passed, no client having come");
  t.ok(listener.started);
  t.strictSame(await Promise.all([exchange(path, "a"), exchange(path, "b")]), ["echo:a", "echo:b"], "clients are served by it");
  t.equal(starts, 1, "and it is not started again");
  await listener.close();
  t.equal(closed.count, 1);
});

t.test("a listener closed before startAfterMs starts nothing, then or later", async (t) => {
  const path = await socketPath(t);
  let starts = 0;
  const listener = await listenOnDemand(path, async () => (starts++, echoServer({ count: 0 })), () => undefined, { startAfterMs: 30 });
  await listener.close();
  await new Promise((resolve) => setTimeout(resolve, 80));
  t.equal(starts, 0);
});

t.test("a start after startAfterMs that fails is reported only when a client comes", async (t) => {
  const path = await socketPath(t);
  const failures: string[] = [];
  const listener = await listenFailing(path, failures, { startAfterMs: 10 });
  await new Promise((resolve) => setTimeout(resolve, 60));
  t.ok(listener.started, "the start was tried");
  t.strictSame(failures, [], "a command that never connects hears nothing of it");
  t.equal(await exchange(path, "a"), "", "a client is disconnected");
  t.equal(await exchange(path, "b"), "", "and so is the next");
  t.strictSame(failures, ["store unreadable"], "reported once, when needed");
  await listener.close();
});
