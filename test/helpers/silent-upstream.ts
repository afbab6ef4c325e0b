// Stand-in upstreams that never answer: one that accepts connections and never writes a byte (no TLS handshake, no HTTP/2 SETTINGS), and a port whose connects hang.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import { join } from "node:path";
import type { Test } from "tap";

/** A silent listener and what it has accepted. */
export interface SilentUpstream {
  /** `{ path }` for a UNIX socket, `{ port }` on 127.0.0.1 for TCP. */
  readonly path: string;
  readonly port: number;
  /** How many connections it has accepted so far. */
  accepted(): number;
  /** Stops listening and drops every connection it holds; the UNIX socket file goes too. */
  close(): Promise<void>;
}

/**
 * Listens on a UNIX socket in a fresh directory (`kind` "unix") or on a free TCP port of
 * 127.0.0.1 ("tcp"), reading and dropping whatever arrives and answering nothing. Closed at the end of `t`.
 */
export async function silentUpstream(t: Test, kind: "unix" | "tcp"): Promise<SilentUpstream> {
  const dir = await mkdtemp("/tmp/bcr-silent-");
  const path = join(dir, "up.sock");
  const sockets = new Set<Socket>();
  let count = 0;
  const server = createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on("data", () => undefined);
    socket.on("error", () => undefined);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => (kind === "unix" ? server.listen(path, resolve) : server.listen(0, "127.0.0.1", resolve)));
  const port = kind === "tcp" ? (server.address() as AddressInfo).port : 0;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
  t.teardown(async () => {
    await close();
    await rm(dir, { recursive: true, force: true });
  });
  return { path, port, accepted: () => count, close };
}

/**
 * A TCP port on 127.0.0.1 where a connect hangs: a python3 listener with a backlog of one that
 * never accepts, its one place taken, so the kernel drops further SYNs (Node's own listeners always
 * accept; .ci/run installs python3). Stopped at the end of `t`.
 */
export async function unacceptingPort(t: Test): Promise<number> {
  const script = 'import socket,sys\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()';
  const listener = spawn("python3", ["-c", script], { stdio: ["pipe", "pipe", "inherit"] });
  t.teardown(() => void listener.kill());
  const [line] = (await once(listener.stdout, "data")) as [Buffer];
  const port = Number(line.toString().trim());
  // Take the backlog's one place: the next connect waits for a SYN-ACK that never comes.
  const filler = connect(port, "127.0.0.1");
  t.teardown(() => void filler.destroy());
  await once(filler, "connect");
  return port;
}
