// One gRPC call on a raw HTTP/2 stream to the upstream: how it is opened, and how its answer and status are read.
import type { ClientHttp2Stream, IncomingHttpHeaders, IncomingHttpStatusHeader } from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { grpcMessages } from "../../server/grpc-frames.js";
import { nonGrpcAnswer } from "./non-grpc-answer.js";

/** What an upstream call is made for: the served call's cancellation, and the request metadata it carried. */
export interface UpstreamCallScope {
  readonly signal: AbortSignal;
  /** The client's request-metadata header value (base64), sent upstream unchanged when present. */
  readonly requestMetadata?: string | undefined;
}

/** Opens a gRPC call to the upstream at `path` (headers, credentials and cancellation included) and resolves with its stream. */
export type OpenUpstreamCall = (path: string, scope: UpstreamCallScope) => Promise<ClientHttp2Stream>;

/** Largest message taken from the upstream: a full batch, or a ReadResponse of up to 4 MiB, and framing. */
export const MAX_ANSWER_MESSAGE_BYTES = 5 * 1024 * 1024;

/** What the upstream answered a call with. */
export interface UpstreamStatus {
  readonly code: Code | 0;
  readonly message: string;
}

/** The messages of the upstream's answer; a broken stream is UNAVAILABLE. */
export async function* answerMessages(stream: ClientHttp2Stream, signal: AbortSignal): AsyncGenerator<Buffer, void, undefined> {
  try {
    yield* grpcMessages(stream, MAX_ANSWER_MESSAGE_BYTES);
  } catch (error) {
    throw brokenStream(error, signal);
  }
}

/** What a failed read of the upstream's answer means: the cancellation, a ConnectError as is, else UNAVAILABLE (the stream broke). */
export function brokenStream(error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason;
  if (error instanceof ConnectError) return error;
  return new ConnectError(`the upstream connection broke: ${(error as Error).message}`, Code.Unavailable, undefined, undefined, error);
}

/**
 * The status in the answer's trailers (or headers, for a trailers-only answer), once the stream
 * has closed; for an answer that is not gRPC, the code its HTTP status maps to (non-grpc-answer.ts).
 */
export function statusOf(stream: ClientHttp2Stream, signal: AbortSignal): Promise<UpstreamStatus> {
  return new Promise((resolve) => {
    let headers: (IncomingHttpHeaders & IncomingHttpStatusHeader) | undefined;
    let trailers: IncomingHttpHeaders | undefined;
    stream.once("response", (received) => (headers = received));
    stream.once("trailers", (received) => (trailers = received));
    stream.on("error", () => undefined);
    stream.once("close", () => {
      if (signal.aborted) return resolve({ code: Code.Canceled, message: "cancelled" });
      const notGrpc = headers !== undefined ? nonGrpcAnswer(headers) : undefined;
      if (notGrpc !== undefined) return resolve({ code: notGrpc.code, message: notGrpc.rawMessage });
      if (headers === undefined || (trailers?.["grpc-status"] === undefined && headers["grpc-status"] === undefined)) {
        // The stream broke off (the upstream went away, or reset it): a reason to retry, not a bug.
        return resolve({ code: Code.Unavailable, message: `the upstream ended the call without a gRPC status: the stream ended (HTTP/2 code ${stream.rstCode})` });
      }
      const source = trailers?.["grpc-status"] !== undefined ? trailers : headers;
      const code = Number(source["grpc-status"]);
      const message = decodeGrpcMessage(String(source["grpc-message"] ?? ""));
      if (!Number.isInteger(code) || code < 0 || code > 16) return resolve({ code: Code.Internal, message: `the upstream sent grpc-status ${String(source["grpc-status"])}` });
      resolve({ code: code as Code | 0, message });
    });
  });
}

/** Throws the upstream's status as a ConnectError unless it is OK. */
export function throwUnlessOk(status: UpstreamStatus): void {
  if (status.code !== 0) throw new ConnectError(status.message, status.code);
}

/** A message from the upstream decoded, or INTERNAL naming what was wrong with it. */
export function decodeAnswer<T>(decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    throw new ConnectError(`the upstream sent a message that does not parse: ${(error as Error).message}`, Code.Internal);
  }
}

function decodeGrpcMessage(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
