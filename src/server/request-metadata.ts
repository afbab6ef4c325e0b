// The client's REAPI request-metadata header, passed on to the upstream calls a served call makes.
import type { HandlerContext } from "@connectrpc/connect";
import type { Backend } from "../backend/backend.js";
import type { ServerContext } from "./server-context.js";

/** The header REAPI clients use to describe themselves and their build (binary, base64 in gRPC). */
export const REQUEST_METADATA_HEADER = "build.bazel.remote.execution.v2.requestmetadata-bin";

/**
 * The backend to serve one call with: the server's, scoped to the call's request-metadata header
 * when it carries one and the backend has an upstream to pass it to. The header travels with the
 * backend object, explicitly, rather than in an AsyncLocalStorage, whose hooks cost every promise.
 */
export function backendForCall(backend: Backend, requestMetadata: string | string[] | null | undefined): Backend {
  return typeof requestMetadata === "string" && backend.withRequestMetadata !== undefined ? backend.withRequestMetadata(requestMetadata) : backend;
}

/** {@link backendForCall} for a call Connect serves. */
export function backendForHandler(server: ServerContext, context: HandlerContext): Backend {
  return backendForCall(server.backend, context.requestHeader.get(REQUEST_METADATA_HEADER));
}
