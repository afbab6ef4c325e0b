// A UNIX socket that listens at once and starts the server behind it when the first client connects, or after a set delay.
import { chmodSync } from "node:fs";
import { createServer, type Socket } from "node:net";

/** The server started on demand: it takes the connections the listener accepted. */
export interface OnDemandServer {
  accept(socket: Socket): void;
  close(): Promise<void>;
}

/** The listening socket. */
export interface OnDemandListener {
  /** True once the server has been started, by a client or after `startAfterMs`. */
  readonly started: boolean;
  /** Stops listening; closes the server when it was started (waiting for it to start first). */
  close(): Promise<void>;
}

/** Options for {@link listenOnDemand}. */
export interface OnDemandOptions {
  /**
   * Start the server this long after listening even if no client has come, so that a client
   * that connects later finds it ready; a listener closed sooner starts nothing.
   */
  readonly startAfterMs?: number;
}

/**
 * Listens on `path` (mode 0600) now, and calls `start` when the first client connects or
 * `options.startAfterMs` has passed: a connection that comes while the server starts waits and is
 * then handed to it. A server that fails to start is reported through `onStartFailure` once, when
 * a client first needs it, and its clients are disconnected (a REAPI client then works without
 * the cache).
 */
export async function listenOnDemand(
  path: string,
  start: () => Promise<OnDemandServer>,
  onStartFailure: (error: unknown) => void,
  options: OnDemandOptions = {},
): Promise<OnDemandListener> {
  let starting: Promise<OnDemandServer | undefined> | undefined;
  let failure: { readonly error: unknown; reported: boolean } | undefined;
  const begin = () =>
    (starting ??= start().then(
      (server) => server,
      (error: unknown) => {
        failure = { error, reported: false };
        return undefined;
      },
    ));
  const waiting = new Set<Socket>();
  const listener = createServer((socket) => {
    socket.on("error", () => socket.destroy());
    waiting.add(socket);
    socket.once("close", () => waiting.delete(socket));
    void begin().then((server) => {
      if (failure !== undefined && !failure.reported) {
        failure.reported = true;
        onStartFailure(failure.error);
      }
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
  const warmUp = options.startAfterMs === undefined ? undefined : setTimeout(begin, options.startAfterMs);
  warmUp?.unref();
  return {
    get started() {
      return starting !== undefined;
    },
    close: async () => {
      clearTimeout(warmUp);
      const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
      for (const socket of waiting) socket.destroy();
      const server = await starting;
      await server?.close();
      await closed;
    },
  };
}
