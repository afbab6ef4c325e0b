// Tells an upstream answer that is not gRPC (a web server's or proxy's error page) by its headers, and maps its HTTP status to a gRPC code.
import { Code, ConnectError } from "@connectrpc/connect";

/** The headers of an answer this module reads (node:http2 gives `:status` as a number). */
export interface AnswerHeaders {
  readonly ":status"?: number | string | undefined;
  readonly "content-type"?: string | undefined;
  readonly "grpc-status"?: string | string[] | undefined;
}

/** application/grpc, alone or with a +format or parameters; not application/grpc-web. */
const GRPC_CONTENT_TYPE = /^application\/grpc(?:[+;]|$)/i;

/**
 * The gRPC code for an HTTP status from an answer that carries no gRPC status, as gRPC's
 * http-grpc-status-mapping.md gives it: 400 INTERNAL, 401 UNAUTHENTICATED, 403 PERMISSION_DENIED,
 * 404 UNIMPLEMENTED, 429/502/503/504 UNAVAILABLE, anything else UNKNOWN.
 */
export function codeForHttpStatus(status: number): Code {
  switch (status) {
    case 400:
      return Code.Internal;
    case 401:
      return Code.Unauthenticated;
    case 403:
      return Code.PermissionDenied;
    case 404:
      return Code.Unimplemented;
    case 429:
    case 502:
    case 503:
    case 504:
      return Code.Unavailable;
    default:
      return Code.Unknown;
  }
}

/**
 * The error for an answer whose `headers` say it is not gRPC: an HTTP status other than 200, or a
 * content type other than application/grpc, and no grpc-status (which a trailers-only gRPC
 * answer carries whatever else it says). One line naming the status and content type.
 * `undefined` for a gRPC answer; a 200 without a content type is taken as one.
 */
export function nonGrpcAnswer(headers: AnswerHeaders): ConnectError | undefined {
  if (headers["grpc-status"] !== undefined) return undefined;
  const status = Number(headers[":status"]);
  const contentType = headers["content-type"];
  if (status === 200 && (contentType === undefined || GRPC_CONTENT_TYPE.test(contentType))) return undefined;
  return new ConnectError(`the upstream answered HTTP ${status} (${contentType ?? "no content type"}), not gRPC`, codeForHttpStatus(status));
}
