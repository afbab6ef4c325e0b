// The socket under an upstream HTTP/2 session, given up on when the connection or its handshakes take longer than the connect timeout.
import { constants as http2Constants, type ClientHttp2Stream, type Http2Session } from "node:http2";
import { connect as connectNet, isIP, type Socket } from "node:net";
import { connect as connectTls } from "node:tls";
import { Code, ConnectError } from "@connectrpc/connect";
import { untilAborted } from "../../util/until-aborted.js";
import type { RemoteAddress } from "./remote-url.js";

/** How long a connection to the upstream may take when nothing says otherwise. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** The TLS material a grpcs:// connection uses (PEM text). */
export interface UpstreamTlsOptions {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

/** Read through `session.socket` (node:http2 forwards property reads to the socket): stops the socket's connect timer. */
const HANDSHAKE_DONE = Symbol("bst-cas-run: the HTTP/2 handshake is done");

/** The errors made here, told apart from other UNAVAILABLE failures by {@link isConnectTimeout}. */
const connectTimeouts = new WeakSet<Error>();

/**
 * Opens a socket to `address` for an HTTP/2 session (node:http2's `createConnection`). Unless
 * the connection is made, TLS negotiated (grpcs://) and {@link watchHandshake} sees the upstream
 * acknowledge our HTTP/2 SETTINGS within `connectTimeoutMs`, the socket is destroyed with an
 * UNAVAILABLE ConnectError naming the upstream and the step that stalled; the session and every
 * call on it fail with it.
 */
export function openUpstreamSocket(address: RemoteAddress, tls: UpstreamTlsOptions, connectTimeoutMs: number): Socket {
  // What the connection is waiting for: the socket to connect, then the TLS handshake (grpcs://), then the HTTP/2 one.
  let waitingFor: "connection" | "TLS" | "HTTP/2" = "connection";
  let socket: Socket;
  if (address.kind === "unix") {
    socket = connectNet(address.path);
  } else if (!address.tls) {
    socket = connectNet({ host: address.host, port: address.port });
  } else {
    socket = connectTls({ host: address.host, port: address.port, ALPNProtocols: ["h2"], ...(isIP(address.host) === 0 ? { servername: address.host } : {}), ...tls });
    socket.once("connect", () => (waitingFor = "TLS"));
  }
  socket.once(address.kind === "tcp" && address.tls ? "secureConnect" : "connect", () => (waitingFor = "HTTP/2"));
  const timer = setTimeout(() => {
    const within = `within ${connectTimeoutMs / 1000} s`;
    const message =
      waitingFor === "connection"
        ? `could not connect to the server at ${address.text} ${within}`
        : `the server at ${address.text} accepted the connection but did not complete the ${waitingFor} handshake ${within}`;
    const error = new ConnectError(message, Code.Unavailable);
    connectTimeouts.add(error);
    socket.destroy(error);
  }, connectTimeoutMs);
  // The timer alone does not keep the process alive; a call waiting on the socket does.
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
  Object.defineProperty(socket, HANDSHAKE_DONE, { value: () => clearTimeout(timer) });
  return socket;
}

/**
 * Stops the connect timer of `session`'s socket (see {@link openUpstreamSocket}) once the
 * upstream has acknowledged our SETTINGS, which it sends after its own: the HTTP/2 handshake is
 * done. Call it when a session is first used; node:http2 reports it connected before that.
 */
export function watchHandshake(session: Http2Session): void {
  if (session.destroyed) return;
  const done: unknown = (session.socket as unknown as Record<symbol, unknown>)[HANDSHAKE_DONE];
  if (typeof done !== "function") return;
  if (session.pendingSettingsAck) session.once("localSettings", () => done());
  else done();
}

/** Whether `error` is a connection given up on by {@link openUpstreamSocket}: trying again would wait as long. */
export function isConnectTimeout(error: unknown): boolean {
  return error instanceof Error && connectTimeouts.has(error);
}

/**
 * `request` (a stream being opened, perhaps waiting for the connection), or the reason of
 * `signal` as soon as it aborts; a stream that comes after that is closed.
 */
export function streamUnlessAborted(request: Promise<ClientHttp2Stream>, signal: AbortSignal): Promise<ClientHttp2Stream> {
  return untilAborted(request, signal).catch((error: unknown) => {
    if (signal.aborted) void request.then((stream) => stream.close(http2Constants.NGHTTP2_CANCEL), () => undefined);
    throw error;
  });
}
