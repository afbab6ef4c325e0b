// The HTTP/2 connection to the upstream server (UNIX socket or TCP, TLS, bearer token, keepalive) and the gRPC calls opened on it.
import { constants as http2Constants, type ClientHttp2Stream, type Http2Session, type IncomingHttpHeaders, type IncomingHttpStatusHeader, type OutgoingHttpHeaders, type SecureClientSessionOptions } from "node:http2";
import { Code, ConnectError, type Interceptor, type Transport } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { REQUEST_METADATA_HEADER } from "../../server/request-metadata.js";
import { nonGrpcAnswer } from "./non-grpc-answer.js";
import type { OpenUpstreamCall } from "./upstream-call.js";
import type { RemoteAddress } from "./remote-url.js";
import { DEFAULT_CONNECT_TIMEOUT_MS, openUpstreamSocket, streamUnlessAborted, watchHandshake, type UpstreamTlsOptions } from "./upstream-socket.js";

/** TLS material and credentials for the upstream, already read from their files. */
export interface UpstreamCredentials {
  /** PEM: the CA or certificate the server's certificate must chain to (default: system CAs). */
  readonly serverCert?: string;
  /** PEM client certificate and key, for mutual TLS. */
  readonly clientCert?: string;
  readonly clientKey?: string;
  /** Sent as `authorization: Bearer <token>`. */
  readonly accessToken?: string;
}

/**
 * Keepalive: while a call is open, ping after this long without an answer's headers, and drop the
 * connection when a ping goes unanswered for PING_TIMEOUT_MS. Not more often: during a ByteStream
 * Write the upstream sends nothing until the end, and grpc-go servers (bazel-remote, Buildbarn)
 * by default allow a ping every 5 minutes at most, answering the third early one with GOAWAY
 * too_many_pings, which ends every call in flight (gRPC's keepalive guidance, A8).
 */
const PING_INTERVAL_MS = 5 * 60_000;
const PING_TIMEOUT_MS = 10_000;
const WINDOW_BYTES = 16 * 1024 * 1024;
/** Largest message a Connect client on this connection reads: a full batch plus framing. */
const READ_MAX_BYTES = 5 * 1024 * 1024;

/**
 * Node's errors for an upstream that is not there or went away. connect-node reports some of
 * them as INTERNAL or ABORTED (a UNIX socket path with no server on it is ENOENT, for one).
 */
const CONNECTION_LOST = new Set(["ENOENT", "ECONNREFUSED", "ECONNRESET", "ECONNABORTED", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH"]);

/** How the connection to the upstream is made. */
export interface UpstreamTransportOptions {
  /**
   * How long a connection may take, from its start to the end of the HTTP/2 handshake (TLS
   * included), before it is given up and its calls fail UNAVAILABLE. Default 10 s.
   */
  readonly connectTimeoutMs?: number;
}

/** The means to open calls on the upstream connection, and to close it. */
export interface UpstreamTransport {
  /** Opens a gRPC call as a raw HTTP/2 stream, with the credentials' and the call's headers. */
  readonly openCall: OpenUpstreamCall;
  /**
   * A Connect transport on the same connection, sending the credentials, for code that wants
   * generated clients (the client commands); the server's upstream calls use `openCall`.
   */
  connectTransport(): Transport;
  /** Closes the HTTP/2 connection; calls after this fail. */
  close(): void;
}

/**
 * Calls to `address`, sending `credentials` and each call's request metadata. The connection is
 * made on the first call, kept alive with pings, and made again after it is lost; one that does
 * not complete its handshakes within the connect timeout is given up (see upstream-socket.ts).
 */
export function createUpstreamTransport(address: RemoteAddress, credentials: UpstreamCredentials, options: UpstreamTransportOptions = {}): UpstreamTransport {
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const tls: UpstreamTlsOptions = {
    ...(credentials.serverCert !== undefined ? { ca: credentials.serverCert } : {}),
    ...(credentials.clientCert !== undefined ? { cert: credentials.clientCert } : {}),
    ...(credentials.clientKey !== undefined ? { key: credentials.clientKey } : {}),
  };
  const nodeOptions: SecureClientSessionOptions = {
    settings: { initialWindowSize: WINDOW_BYTES },
    createConnection: () => openUpstreamSocket(address, tls, connectTimeoutMs),
  };
  const baseUrl = address.kind === "unix" ? "http://localhost" : `${address.tls ? "https" : "http"}://${address.host.includes(":") ? `[${address.host}]` : address.host}:${address.port}`;
  const sessionManager = new WideWindowSessionManager(baseUrl, { pingIntervalMs: PING_INTERVAL_MS, pingTimeoutMs: PING_TIMEOUT_MS }, nodeOptions);
  const fixedHeaders: OutgoingHttpHeaders = {
    "content-type": "application/grpc",
    te: "trailers",
    "grpc-accept-encoding": "identity",
    ...(credentials.accessToken !== undefined ? { authorization: `Bearer ${credentials.accessToken}` } : {}),
  };
  const openCall: OpenUpstreamCall = async (path, { signal, requestMetadata }) => {
    signal.throwIfAborted();
    // The session manager copies the headers it is given: the fixed ones are shared by every call.
    const headers = requestMetadata !== undefined ? { ...fixedHeaders, [REQUEST_METADATA_HEADER]: requestMetadata } : fixedHeaders;
    let stream: ClientHttp2Stream;
    try {
      // Waiting for the connection ends with the call's cancellation, not only with the connect timeout.
      stream = await streamUnlessAborted(sessionManager.request("POST", path, headers, {}), signal);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw asUnavailable(ConnectError.from(error), signal);
    }
    // The body of an answer that is not gRPC (a proxy's error page) is never read as gRPC frames.
    stream.once("response", (answerHeaders: IncomingHttpHeaders & IncomingHttpStatusHeader) => {
      const notGrpc = nonGrpcAnswer(answerHeaders);
      if (notGrpc !== undefined) stream.destroy(notGrpc);
    });
    const cancel = () => stream.close(http2Constants.NGHTTP2_CANCEL);
    signal.addEventListener("abort", cancel, { once: true });
    stream.once("close", () => signal.removeEventListener("abort", cancel));
    return stream;
  };
  const connectTransport = (): Transport => {
    const authorization = fixedHeaders["authorization"];
    const credentialsHeader: Interceptor = (next) => (request) => {
      if (typeof authorization === "string") request.header.set("authorization", authorization);
      return next(request);
    };
    return createGrpcTransport({
      baseUrl,
      sessionManager,
      interceptors: [connectionLossIsUnavailable, credentialsHeader],
      readMaxBytes: READ_MAX_BYTES,
      acceptCompression: [],
    });
  };
  // Closed with a plain cancellation: left to build its own, the manager would make a ConnectError,
  // whose Headers load Node's fetch implementation (about 20 ms) while the run tears down.
  const closed = Object.assign(new Error(`the connection to ${address.text} was closed`), { code: "ABORT_ERR" });
  return { openCall, connectTransport, close: () => sessionManager.abort(closed) };
}

/**
 * An Http2SessionManager whose connections get the large connection window, not only large
 * stream windows: HTTP/2 has no setting for the connection window, which stays at 64 KiB until a
 * WINDOW_UPDATE raises it, and that caps every download from the upstream whatever the streams'
 * windows say. A connection's first use also starts watching for the end of its HTTP/2 handshake.
 */
class WideWindowSessionManager extends Http2SessionManager {
  readonly #widened = new WeakSet<Http2Session>();

  override async request(...args: Parameters<Http2SessionManager["request"]>): Promise<ClientHttp2Stream> {
    const stream = await super.request(...args);
    const session = stream.session;
    if (session !== undefined && !this.#widened.has(session) && !session.destroyed) {
      this.#widened.add(session);
      session.setLocalWindowSize(WINDOW_BYTES);
      watchHandshake(session);
    }
    return stream;
  }
}

/**
 * Reports a refused or lost connection to the upstream as UNAVAILABLE, the code that calls
 * for a retry, whether it ends the call or a response stream part way.
 */
const connectionLossIsUnavailable: Interceptor = (next) => async (request) => {
  try {
    const response = await next(request);
    if (!response.stream) return response;
    const messages = response.message;
    return {
      ...response,
      message: (async function* () {
        try {
          yield* messages;
        } catch (error) {
          throw asUnavailable(error, request.signal);
        }
      })(),
    };
  } catch (error) {
    throw asUnavailable(error, request.signal);
  }
};

/**
 * `error` as UNAVAILABLE when a system error about the connection caused it, or when the
 * stream was cancelled without us asking (HTTP/2 cancels the streams of a session that dies).
 * Anything else is returned unchanged.
 */
function asUnavailable(error: unknown, signal: AbortSignal): unknown {
  if (!(error instanceof ConnectError) || error.code === Code.Unavailable) return error;
  const unavailable = () => new ConnectError(error.rawMessage, Code.Unavailable, error.metadata, undefined, error);
  if (error.code === Code.Canceled && !signal.aborted) return unavailable();
  for (let cause: unknown = error.cause, depth = 0; cause instanceof Error && depth < 8; cause = cause.cause, depth++) {
    const { code, syscall } = cause as NodeJS.ErrnoException;
    if (typeof code === "string" && CONNECTION_LOST.has(code) && syscall !== undefined) return unavailable();
  }
  return error;
}
