// The filtering REAPI server: Connect over HTTP/2 on a UNIX socket (or TLS TCP for `serve`).
import { chmod } from "node:fs/promises";
import { createServer as createHttp1Server } from "node:http";
import type { Socket } from "node:net";
import { createSecureServer, createServer, type Http2SecureServer, type Http2Server, type Http2ServerResponse, type Http2Session } from "node:http2";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { dropUnholdableTimeouts } from "./call-deadline.js";
import type { CallObserver } from "./observe/call-record.js";
import { createObservingInterceptor } from "./observe/observing-interceptor.js";
import { createUnseenCallWatch } from "./observe/unseen-calls.js";
import { createLeanGrpc } from "./lean-grpc.js";
import { createReapiRouter, type UnaryRoute } from "./unary-routes.js";
import { goAwayAfterResets } from "./reset-budget.js";
import { createProtocolSniffer, type SniffingServer } from "./protocol-sniffer.js";
import { createRefusalHandler, type RefusalListener } from "./refusal-handler.js";
import { limitBodyToDeadline } from "./request-body-deadline.js";
import { requireBearerToken } from "./require-token.js";
import { stopReceivingAfterTrailers } from "./stop-receiving.js";
import { registerAllowedMethods } from "./routes.js";
import type { ServerContext } from "./server-context.js";

/** HTTP/2 flow-control window: large enough to keep one stream near disk speed, small enough to bound memory (measured: 8 MiB keeps a 2 GiB transfer under 140 MiB RSS). */
const WINDOW_BYTES = 8 * 1024 * 1024;
/**
 * Largest frame a client may send (HTTP/2 SETTINGS_MAX_FRAME_SIZE). The default, 16 KiB, has a
 * gRPC client cut an upload into 32,768 DATA frames per 512 MiB, each parsed on its own.
 */
const MAX_FRAME_BYTES = 1024 * 1024;
/**
 * The HTTP/2 session's memory budget, in MB (Node's default: 10). Node counts the response data
 * queued on a stream as session memory and, when the client resets that stream, never gives it
 * back (Node 20): with the default, about 11 downloads a client cancelled mid-answer left its
 * connection refusing every new call with ENHANCE_YOUR_CALM. At about 1 MiB per cancelled
 * download, this budget lasts a connection about a thousand of them; the real memory is freed,
 * and a connection is sent GOAWAY after RESETS_BEFORE_GOAWAY resets, long before that.
 */
const SESSION_MEMORY_MB = 1024;
/** Streams a client may reset on one connection before it is asked to open a new one ({@link goAwayAfterResets}). */
const RESETS_BEFORE_GOAWAY = 256;
/** Largest request message read: a 4 MiB batch plus its framing. */
const READ_MAX_BYTES = 4 * 1024 * 1024 + 1024 * 1024;

/**
 * Where the server listens: a UNIX socket (the sandbox's), TLS on TCP (`serve --listen`), or
 * nowhere: `handoff` serves the connections its caller accepted on the socket at `path` and passes
 * to {@link ReapiServer.accept}.
 */
export type ListenAddress =
  | { readonly kind: "unix"; readonly path: string }
  | { readonly kind: "handoff"; readonly path: string }
  | { readonly kind: "tls"; readonly host: string; readonly port: number; readonly cert: string; readonly key: string };

/** Options for {@link startReapiServer}. */
export interface ReapiServerOptions extends ServerContext {
  readonly listen: ListenAddress;
  /** When set, every call must carry `authorization: Bearer <token>`. */
  readonly requiredToken?: string;
  /** Told about every call, served or refused, when it ends. */
  readonly observe?: CallObserver;
}

/** A running server. */
export interface ReapiServer {
  /** The socket path, or host:port for TLS (with the port the system chose when 0 was asked). */
  readonly address: string;
  /** Stops listening, ends every open connection and resolves once all are gone. */
  close(): Promise<void>;
  /** Serves a connection accepted elsewhere (the `handoff` address); it may have been paused. */
  accept(socket: Socket): void;
}

/** Starts the server and resolves once it listens. */
export async function startReapiServer(options: ReapiServerOptions): Promise<ReapiServer> {
  const unary = new Map<string, UnaryRoute>();
  // Every path Connect routes to a service (the rest go to the refusal handler, which records its own).
  const served = new Set<string>();
  const unseenCalls = options.observe !== undefined ? createUnseenCallWatch(options.observe) : undefined;
  const connectHandler = connectNodeAdapter({
    routes: (router) => {
      registerAllowedMethods(createReapiRouter(router, unary), options);
      for (const handler of router.handlers) served.add(handler.requestPath);
    },
    fallback: createRefusalHandler(options.flags, observeRefusal(options.observe)),
    interceptors: options.observe !== undefined ? [createObservingInterceptor(options.observe)] : [],
    ...(unseenCalls !== undefined ? { contextValues: unseenCalls.contextValues } : {}),
    // Clients offer gzip; compressing blob data costs more than it saves on a local socket.
    acceptCompression: [],
    readMaxBytes: READ_MAX_BYTES,
    connect: true,
    grpc: true,
    grpcWeb: false,
  });
  // gRPC calls (all but GetTree, and anything gRPC-web, Connect or compressed) skip Connect's
  // layers: ByteStream its per-message copies, the unary methods their per-call machinery.
  const leanGrpc = createLeanGrpc(options, {
    readMaxBytes: READ_MAX_BYTES,
    unary,
    ...(options.observe !== undefined ? { observe: options.observe } : {}),
  });
  const dispatch: typeof connectHandler = (request, response) => {
    if ("stream" in request) {
      if (leanGrpc(request, response as Http2ServerResponse)) return;
      // Connect may answer before reading the whole request (a Write of a blob stored already).
      stopReceivingAfterTrailers(response as Http2ServerResponse);
    }
    // Connect sets its deadline timer from the header as it is: one past a timer's range would fire at once.
    dropUnholdableTimeouts(request.headers);
    // Connect answers some calls before its interceptors see them (an unreadable request, a deadline passed while reading it).
    const path = (request.url ?? "").split("?")[0] ?? "";
    if (unseenCalls !== undefined && served.has(path)) unseenCalls.watch(request, response, path);
    limitBodyToDeadline(request);
    connectHandler(request, response);
  };
  const handler = options.requiredToken !== undefined ? requireBearerToken(options.requiredToken, dispatch) : dispatch;
  const settings = { initialWindowSize: WINDOW_BYTES, maxFrameSize: MAX_FRAME_BYTES };
  const listen = options.listen;
  const http2Server: Http2Server | Http2SecureServer =
    listen.kind !== "tls"
      ? createServer({ settings, maxSessionMemory: SESSION_MEMORY_MB }, handler)
      : createSecureServer({ settings, maxSessionMemory: SESSION_MEMORY_MB, cert: listen.cert, key: listen.key, allowHTTP1: false }, handler);
  // On the socket, HTTP/1.1 clients (curl with JSON, the Connect protocol) are served too.
  const server = listen.kind !== "tls" ? createProtocolSniffer(http2Server as Http2Server, createHttp1Server(handler)) : http2Server;
  const sessions = new Set<Http2Session>();
  http2Server.on("session", (session: Http2Session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
    session.on("error", () => session.destroy());
    session.setLocalWindowSize(WINDOW_BYTES);
    goAwayAfterResets(session, RESETS_BEFORE_GOAWAY);
  });

  const accept = (socket: Socket) => {
    server.emit("connection", socket);
    socket.resume();
  };
  if (listen.kind === "handoff") {
    return {
      address: listen.path,
      accept,
      close: async () => {
        for (const session of sessions) session.destroy();
        (server as SniffingServer).destroyConnections();
      },
    };
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    const ready = () => {
      server.off("error", reject);
      resolve();
    };
    if (listen.kind === "unix") server.listen(listen.path, ready);
    else server.listen(listen.port, listen.host, ready);
  });
  let address: string;
  if (listen.kind === "unix") {
    await chmod(listen.path, 0o600);
    address = listen.path;
  } else {
    const bound = server.address();
    address = `${listen.host}:${typeof bound === "object" && bound !== null ? bound.port : listen.port}`;
  }

  return {
    address,
    accept,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.destroy();
      if (server !== http2Server) (server as SniffingServer).destroyConnections();
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
