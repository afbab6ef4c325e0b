// Makes every call carry the expected bearer token (serve over TCP); others get UNAUTHENTICATED.
import { timingSafeEqual } from "node:crypto";
import { Code } from "@connectrpc/connect";
import type { ConnectNodeAdapterOptions } from "@connectrpc/connect-node";
import { encodeGrpcMessage } from "./refusal-handler.js";

type NodeHandler = NonNullable<ConnectNodeAdapterOptions["fallback"]>;

/** Wraps `handler` so that only requests with `authorization: Bearer <token>` reach it. */
export function requireBearerToken(token: string, handler: NodeHandler): NodeHandler {
  const expected = Buffer.from(`Bearer ${token}`);
  return (request, response) => {
    const given = Buffer.from(String(request.headers["authorization"] ?? ""));
    if (given.length === expected.length && timingSafeEqual(given, expected)) {
      handler(request, response);
      return;
    }
    request.resume();
    response.writeHead(200, { "content-type": "application/grpc" });
    response.addTrailers({ "grpc-status": String(Code.Unauthenticated), "grpc-message": encodeGrpcMessage("a valid bearer token is required") });
    response.end();
  };
}
