// The filtering REAPI server: Connect over cleartext HTTP/2 on a UNIX socket, never TCP.
import { createServer, type Http2Session } from "node:http2";
import { chmod } from "node:fs/promises";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { CallObserver } from "./observe/call-record.js";
import { createObservingInterceptor } from "./observe/observing-interceptor.js";
import { createRefusalHandler, type RefusalListener } from "./refusal-handler.js";
import { registerAllowedMethods } from "./routes.js";
import type { ServerContext } from "./server-context.js";

/** HTTP/2 flow-control window: large windows keep one stream near disk speed. */
const WINDOW_BYTES = 16 * 1024 * 1024;
/** Largest request message read: a 4 MiB batch plus its framing. */
const READ_MAX_BYTES = 4 * 1024 * 1024 + 1024 * 1024;

/** Options for {@link startReapiServer}. */
export interface ReapiServerOptions extends ServerContext {
  /** Absolute path of the UNIX socket to create; its directory must exist and be private. */
  readonly socketPath: string;
  /** Told about every call, served or refused, when it ends. */
  readonly observe?: CallObserver;
}

/** A running server. */
export interface ReapiServer {
  readonly socketPath: string;
  /** Stops listening, ends every open connection and resolves once all are gone. */
  close(): Promise<void>;
}

/** Starts the server and resolves once it listens on `options.socketPath`. */
export async function startReapiServer(options: ReapiServerOptions): Promise<ReapiServer> {
  const handler = connectNodeAdapter({
    routes: (router) => registerAllowedMethods(router, options),
    fallback: createRefusalHandler(options.flags, observeRefusal(options.observe)),
    interceptors: options.observe !== undefined ? [createObservingInterceptor(options.observe)] : [],
    // Clients offer gzip; compressing blob data costs more than it saves on a local socket.
    acceptCompression: [],
    readMaxBytes: READ_MAX_BYTES,
    connect: true,
    grpc: true,
    grpcWeb: false,
  });
  const server = createServer({ settings: { initialWindowSize: WINDOW_BYTES } }, handler);
  const sessions = new Set<Http2Session>();
  server.on("session", (session: Http2Session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
    session.on("error", () => session.destroy());
    session.setLocalWindowSize(WINDOW_BYTES);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.socketPath, () => {
      server.off("error", reject);
      resolve();
    });
  });
  await chmod(options.socketPath, 0o600);

  return {
    socketPath: options.socketPath,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.destroy();
      await closed;
    },
  };
}

/** Turns refusals into call records. */
function observeRefusal(observe: CallObserver | undefined): RefusalListener | undefined {
  if (observe === undefined) return undefined;
  return (path, code) =>
    observe({ method: path.replace(/^\//, ""), subject: "-", code, refused: true, bytesIn: 0, bytesOut: 0, milliseconds: 0 });
}
