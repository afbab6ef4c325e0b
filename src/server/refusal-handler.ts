// Answers every call the policy does not route to a service: a gRPC or Connect error, no I/O.
import { Code } from "@connectrpc/connect";
import type { ConnectNodeAdapterOptions } from "@connectrpc/connect-node";

/** The shape Connect-node gives its fallback handler. */
type FallbackHandler = NonNullable<ConnectNodeAdapterOptions["fallback"]>;
import { decide, type PolicyFlags } from "../policy/method-table.js";

/** Connect protocol error codes, by gRPC code. */
const CONNECT_CODE_NAMES: Readonly<Record<number, string>> = {
  [Code.PermissionDenied]: "permission_denied",
  [Code.Unimplemented]: "unimplemented",
};
const CONNECT_HTTP_STATUS: Readonly<Record<number, number>> = {
  [Code.PermissionDenied]: 403,
  [Code.Unimplemented]: 404,
};

/** Observes each refusal (for logs and stats). */
export type RefusalListener = (path: string, code: Code, message: string) => void;

/**
 * A Connect-node fallback handler that refuses the request according to the policy table:
 * PERMISSION_DENIED for methods the policy shuts, UNIMPLEMENTED for anything unknown.
 */
export function createRefusalHandler(flags: PolicyFlags, onRefusal?: RefusalListener): FallbackHandler {
  return (request, response) => {
    const path = (request.url ?? "").split("?")[0] ?? "";
    const verdict = decide(path, flags);
    const code = verdict.allowed ? Code.Unimplemented : verdict.code;
    const message = verdict.allowed ? `${path} is not served by this socket` : verdict.message;
    onRefusal?.(path, code, message);
    // The request body is never read: discard it so the stream can close.
    request.resume();
    const contentType = String(request.headers["content-type"] ?? "");
    if (contentType.startsWith("application/grpc")) {
      // A gRPC answer: empty body, the status in trailers.
      response.writeHead(200, { "content-type": "application/grpc" });
      response.addTrailers({ "grpc-status": String(code), "grpc-message": encodeGrpcMessage(message) });
      response.end();
      return;
    }
    response.writeHead(CONNECT_HTTP_STATUS[code] ?? 400, { "content-type": "application/json" });
    response.end(JSON.stringify({ code: CONNECT_CODE_NAMES[code] ?? "unknown", message }));
  };
}

/** Percent-encodes what the gRPC spec requires in grpc-message: '%' and bytes outside printable ASCII. */
export function encodeGrpcMessage(message: string): string {
  let out = "";
  for (const byte of Buffer.from(message, "utf8")) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}
