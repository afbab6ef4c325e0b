// A UNIX socket that listens at once and starts the server behind it when the first client connects.
import { chmodSync } from "node:fs";
import { createServer, type Socket } from "node:net";

/** The server started on demand: it takes the connections the listener accepted. */
export interface OnDemandServer {
  accept(socket: Socket): void;
  close(): Promise<void>;
}

/** The listening socket. */
export interface OnDemandListener {
  /** True once the first connection has started the server. */
  readonly started: boolean;
  /** Stops listening; closes the server when it was started (waiting for it to start first). */
  close(): Promise<void>;
}

/**
 * Listens on `path` (mode 0600) now, and calls `start` when the first client connects: that
 * connection, and any that arrive while the server starts, wait and are then handed to it. A
 * server that fails to start is reported through `onStartFailure` once, and its clients are
 * disconnected (a REAPI client then works without the cache).
 */
export async function listenOnDemand(
  path: string,
  start: () => Promise<OnDemandServer>,
  onStartFailure: (error: unknown) => void,
): Promise<OnDemandListener> {
  let starting: Promise<OnDemandServer | undefined> | undefined;
  const waiting = new Set<Socket>();
  const listener = createServer((socket) => {
    socket.on("error", () => socket.destroy());
    waiting.add(socket);
    socket.once("close", () => waiting.delete(socket));
    starting ??= start().then(
      (server) => server,
      (error: unknown) => {
        onStartFailure(error);
        return undefined;
      },
    );
    void starting.then((server) => {
      if (!waiting.delete(socket) || socket.destroyed) return;
      if (server === undefined) socket.destroy();
      else server.accept(socket);
    });
  });
  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(path, () => {
      listener.off("error", reject);
      resolve();
    });
  });
  chmodSync(path, 0o600);
  return {
    get started() {
      return starting !== undefined;
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
      for (const socket of waiting) socket.destroy();
      const server = await starting;
      await server?.close();
      await closed;
    },
  };
}
