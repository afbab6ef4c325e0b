// The gRPC transport to the upstream server: UNIX socket or TCP, TLS, bearer token, keepalive.
import { connect as connectSocket } from "node:net";
import type { SecureClientSessionOptions } from "node:http2";
import type { Interceptor, Transport } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { forwardRequestMetadata } from "../../server/request-metadata.js";
import type { RemoteAddress } from "./remote-url.js";

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

/** Keepalive: ping an idle connection this often, and drop it when a ping goes unanswered this long. */
const PING_INTERVAL_MS = 30_000;
const PING_TIMEOUT_MS = 10_000;
/** Largest message read from the upstream: a full batch plus framing. */
const READ_MAX_BYTES = 5 * 1024 * 1024;
const WINDOW_BYTES = 16 * 1024 * 1024;

/** A transport and the means to close its connection. */
export interface UpstreamTransport {
  readonly transport: Transport;
  /** Closes the HTTP/2 connection; calls after this fail. */
  close(): void;
}

/** A transport for `address`, sending `credentials` and the sandboxed client's request metadata. */
export function createUpstreamTransport(address: RemoteAddress, credentials: UpstreamCredentials): UpstreamTransport {
  const interceptors: Interceptor[] = [forwardRequestMetadata];
  if (credentials.accessToken !== undefined) {
    const header = `Bearer ${credentials.accessToken}`;
    interceptors.push((next) => (request) => {
      request.header.set("authorization", header);
      return next(request);
    });
  }
  const nodeOptions: SecureClientSessionOptions = { settings: { initialWindowSize: WINDOW_BYTES } };
  let baseUrl: string;
  if (address.kind === "unix") {
    baseUrl = "http://localhost";
    nodeOptions.createConnection = () => connectSocket(address.path);
  } else {
    const host = address.host.includes(":") ? `[${address.host}]` : address.host;
    baseUrl = `${address.tls ? "https" : "http"}://${host}:${address.port}`;
    if (credentials.serverCert !== undefined) nodeOptions.ca = credentials.serverCert;
    if (credentials.clientCert !== undefined) nodeOptions.cert = credentials.clientCert;
    if (credentials.clientKey !== undefined) nodeOptions.key = credentials.clientKey;
  }
  const sessionManager = new Http2SessionManager(baseUrl, { pingIntervalMs: PING_INTERVAL_MS, pingTimeoutMs: PING_TIMEOUT_MS }, nodeOptions);
  const transport = createGrpcTransport({
    baseUrl,
    sessionManager,
    interceptors,
    readMaxBytes: READ_MAX_BYTES,
    acceptCompression: [],
  });
  return { transport, close: () => sessionManager.abort() };
}
