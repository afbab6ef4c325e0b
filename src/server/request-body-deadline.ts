// The client's deadline on reading a request body that Connect serves: a request that never comes, or never ends, is answered DEADLINE_EXCEEDED.
import type { IncomingMessage } from "node:http";
import type { Http2ServerRequest } from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { untilAborted } from "../util/until-aborted.js";
import { CONNECT_TIMEOUT_HEADER, connectTimeoutMs, deadlineTimerMs, GRPC_TIMEOUT_HEADER, grpcTimeoutMs } from "./call-deadline.js";

/**
 * Makes the reading of `request`'s body fail with DEADLINE_EXCEEDED once the client's deadline
 * has passed (gRPC's `grpc-timeout` for a gRPC content type, Connect's `connect-timeout-ms`
 * otherwise). Connect reads the whole request of a unary call, and each message of a streaming
 * one, before its handler or any interceptor sees the call, and does not watch its deadline
 * meanwhile: a call whose body stalled was answered only when its client gave up. Connect reads
 * the body by async iteration, so that is what is bounded here; the error it gets is answered as
 * the call's status. A body that ends in time is not touched.
 */
export function limitBodyToDeadline(request: IncomingMessage | Http2ServerRequest): void {
  const timeoutMs = isGrpc(request) ? grpcTimeoutMs(request.headers[GRPC_TIMEOUT_HEADER]) : connectTimeoutMs(request.headers[CONNECT_TIMEOUT_HEADER]);
  const timerMs = timeoutMs === undefined ? undefined : deadlineTimerMs(timeoutMs);
  if (timerMs === undefined) return;
  const deadline = new AbortController();
  const timer = setTimeout(() => {
    deadline.abort(new ConnectError("the deadline passed before the request arrived", Code.DeadlineExceeded));
  }, timerMs);
  timer.unref();
  request.once("end", () => clearTimeout(timer));
  request.once("close", () => clearTimeout(timer));
  const iterate = request[Symbol.asyncIterator].bind(request);
  // One instance's iterator is replaced; the stream itself is left as it is, to carry the answer.
  Object.defineProperty(request, Symbol.asyncIterator, {
    configurable: true,
    value: (): AsyncIterator<unknown> => {
      const chunks = iterate();
      return {
        next: () => untilAborted(chunks.next(), deadline.signal),
        // Not passed on: ending the stream's iterator early destroys the stream before the answer leaves.
        return: async (value?: unknown) => ({ done: true, value }),
      };
    },
  });
}

/** A gRPC content type (`application/grpc`, `application/grpc+proto`, ...): its deadline is `grpc-timeout`. */
function isGrpc(request: IncomingMessage | Http2ServerRequest): boolean {
  return /^application\/grpc(?:[+;]|$)/.test(request.headers["content-type"] ?? "");
}
