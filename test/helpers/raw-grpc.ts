// A bare gRPC client on node:http2 for hostile tests: any path, any framing, and a strict reading of the answer.
import { connect as connectHttp2, constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from "node:http2";
import { connect as connectSocket } from "node:net";

/** A gRPC answer, or why it was not a well-formed one. */
export interface RawGrpcAnswer {
  /** The grpc-status; -1 when the answer was malformed or never came (see `malformed`). */
  readonly code: number;
  readonly details: string;
  readonly messages: Buffer[];
  /** Set when the server broke the gRPC protocol, or did not answer before the deadline. */
  readonly malformed?: string;
}

/** A gRPC length-prefixed message (uncompressed). */
export function frame(message: Uint8Array): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(message.byteLength, 1);
  return Buffer.concat([header, message]);
}

/** One HTTP/2 connection (a channel) to a UNIX socket. */
export function rawSession(socketPath: string): ClientHttp2Session {
  const session = connectHttp2("http://localhost", { createConnection: () => connectSocket(socketPath) });
  session.on("error", () => undefined);
  return session;
}

/** What has arrived on a client stream: its response headers ({} before any), trailers and body. */
export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly trailers: IncomingHttpHeaders | undefined;
  readonly body: Buffer;
}

/** Records what arrives on `stream` from now on; the function returned tells what has arrived so far. */
export function recordReceived(stream: ClientHttp2Stream): () => Received {
  let headers: IncomingHttpHeaders = {};
  let trailers: IncomingHttpHeaders | undefined;
  const chunks: Buffer[] = [];
  stream.on("response", (received) => (headers = received));
  stream.on("trailers", (received) => (trailers = received));
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  return () => ({ headers, trailers, body: Buffer.concat(chunks) });
}

/**
 * Opens a gRPC call to `path` on `session` sending `body` (framed), and resets it with CANCEL at
 * its first answer bytes; resolves with whether any came and the stream's RST_STREAM code.
 */
export function cancelAtFirstBytes(session: ClientHttp2Session, path: string, body: Buffer): Promise<{ gotData: boolean; rstCode: number }> {
  return new Promise((resolve) => {
    let gotData = false;
    const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers" });
    stream.on("error", () => undefined);
    stream.once("data", () => {
      gotData = true;
      stream.close(constants.NGHTTP2_CANCEL);
    });
    stream.on("close", () => resolve({ gotData, rstCode: stream.rstCode ?? -1 }));
    stream.end(body);
  });
}

/** Splits a response body into its length-prefixed messages; undefined when the framing is broken. */
function unframe(body: Buffer): Buffer[] | undefined {
  const messages: Buffer[] = [];
  for (let at = 0; at < body.byteLength; ) {
    if (at + 5 > body.byteLength || body[at] !== 0) return undefined;
    const length = body.readUInt32BE(at + 1);
    if (at + 5 + length > body.byteLength) return undefined;
    messages.push(body.subarray(at + 5, at + 5 + length));
    at += 5 + length;
  }
  return messages;
}

function decodeMessage(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** How {@link rawGrpcCall} sends its request. */
export interface RawGrpcCallOptions {
  /** How long to wait for the answer before giving up on it; 15 s by default. */
  readonly deadlineMs?: number;
  readonly headers?: Record<string, string>;
  /** Milliseconds between the request's headers and its payload; sent at once by default. */
  readonly sendAfterMs?: number;
  /** False to send the payload but never end the request (a client that does not half-close). */
  readonly halfClose?: boolean;
}

/**
 * Sends `payload` (already framed, or deliberately misframed) as a gRPC call to `path` and
 * checks the answer strictly: HTTP 200, a gRPC content type, well-framed messages and exactly
 * one grpc-status between 0 and 16, in the headers of a trailers-only answer or in the trailers.
 */
export function rawGrpcCall(session: ClientHttp2Session, path: string, payload: Buffer, options: RawGrpcCallOptions = {}): Promise<RawGrpcAnswer> {
  return new Promise((resolve) => {
    let headers: IncomingHttpHeaders | undefined;
    let trailers: IncomingHttpHeaders | undefined;
    const chunks: Buffer[] = [];
    let settled = false;
    let sendTimer: NodeJS.Timeout | undefined;
    const finish = (answer: RawGrpcAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(sendTimer);
      resolve(answer);
    };
    const stream = session.request({
      ":method": "POST",
      ":path": path,
      "content-type": "application/grpc",
      te: "trailers",
      ...options.headers,
    });
    const timer = setTimeout(() => {
      stream.close();
      finish({ code: -1, details: "", messages: [], malformed: "no answer before the deadline" });
    }, options.deadlineMs ?? 15_000);
    stream.on("response", (received) => (headers = received));
    stream.on("trailers", (received) => (trailers = received));
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    // A server may reset the stream once it has answered (before reading the whole request):
    // the answer counts, the reset does not.
    let streamError = "";
    stream.on("error", (error) => (streamError = `: ${String(error)}`));
    stream.on("close", () => {
      if (headers === undefined) {
        finish({ code: -1, details: "", messages: [], malformed: `the stream closed without an answer (RST ${stream.rstCode})${streamError}` });
        return;
      }
      const status = trailers?.["grpc-status"] ?? headers["grpc-status"];
      const message = String(trailers?.["grpc-message"] ?? headers["grpc-message"] ?? "");
      const messages = unframe(Buffer.concat(chunks));
      const problem =
        Number(headers[":status"]) !== 200
          ? `HTTP ${headers[":status"]}`
          : !String(headers["content-type"] ?? "").startsWith("application/grpc")
            ? `content-type ${headers["content-type"]}`
            : typeof status !== "string" || !/^([0-9]|1[0-6])$/.test(status)
              ? `grpc-status ${JSON.stringify(status)}${streamError}`
              : messages === undefined
                ? "badly framed response messages"
                : undefined;
      finish(
        problem === undefined
          ? { code: Number(status), details: decodeMessage(message), messages: messages ?? [] }
          : { code: -1, details: decodeMessage(message), messages: [], malformed: problem },
      );
    });
    const send = () => (options.halfClose === false ? stream.write(payload) : stream.end(payload));
    if (options.sendAfterMs === undefined) send();
    else sendTimer = setTimeout(send, options.sendAfterMs);
  });
}
