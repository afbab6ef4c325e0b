// The gRPC plumbing of a call served straight on node:http2: cancellation, deadline, status trailers and the call record.
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { Message } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { CallObserver } from "./observe/call-record.js";
import { instanceNameOf, subjectOf } from "./observe/message-facts.js";
import { encodeGrpcMessage } from "./refusal-handler.js";
import { toConnectError } from "./status-of.js";

/** What a lean method's body gets to work with. */
export interface LeanCall {
  /** Aborts when the client goes away or the deadline passes. */
  readonly signal: AbortSignal;
  /** Names the call (subject, instance name) in its record, from its (first) request message. */
  noteRequest(message: Message): void;
  /** Counts blob bytes received. */
  countIn(bytes: number): void;
  /** Counts blob bytes sent. */
  countOut(bytes: number): void;
  /** Writes `parts` (one or more framed response messages, or pieces of one) and waits while the stream is full. */
  send(...parts: Uint8Array[]): Promise<void>;
}

/**
 * Runs `work` as gRPC call `method` on an HTTP/2 request: aborts its signal when the client goes
 * away or `grpc-timeout` passes, ends the response with the status `work` settled with, and
 * reports the call to `observe` as Connect's interceptor would.
 */
export async function serveLeanCall(
  request: Http2ServerRequest,
  response: Http2ServerResponse,
  method: string,
  observe: CallObserver | undefined,
  work: (call: LeanCall) => Promise<void>,
): Promise<void> {
  const started = performance.now();
  const controller = new AbortController();
  const { signal } = controller;
  const onClose = () => controller.abort(new ConnectError("the client went away", Code.Canceled));
  response.once("close", onClose);
  const timeoutHeader = request.headers["grpc-timeout"];
  const deadline = grpcTimeoutMs(timeoutHeader);
  const timer =
    deadline === undefined ? undefined : setTimeout(() => controller.abort(new ConnectError("the deadline passed", Code.DeadlineExceeded)), deadline);
  let subject = "-";
  let instanceName: string | undefined;
  let bytesIn = 0;
  let bytesOut = 0;
  const startResponse = () => {
    if (!response.headersSent) response.writeHead(200, { "content-type": "application/grpc" });
  };
  const call: LeanCall = {
    signal,
    noteRequest: (message) => {
      if (subject === "-") subject = subjectOf(message);
      instanceName ??= instanceNameOf(message);
    },
    countIn: (bytes) => (bytesIn += bytes),
    countOut: (bytes) => (bytesOut += bytes),
    send: async (...parts) => {
      startResponse();
      let room = true;
      for (const part of parts) room = response.write(part);
      if (!room) await drained(response, signal);
    },
  };
  let outcome: ConnectError | undefined;
  try {
    if (timeoutHeader !== undefined && deadline === undefined) {
      throw new ConnectError(`protocol error: invalid grpc timeout value: ${String(timeoutHeader)}`, Code.InvalidArgument);
    }
    await work(call);
  } catch (error) {
    outcome = signal.aborted ? toConnectError(signal.reason) : toConnectError(error);
  } finally {
    clearTimeout(timer);
    response.off("close", onClose);
  }
  if (!response.destroyed && !response.writableEnded) {
    startResponse();
    response.addTrailers({
      "grpc-status": String(outcome?.code ?? 0),
      ...(outcome !== undefined ? { "grpc-message": encodeGrpcMessage(outcome.rawMessage) } : {}),
    });
    response.end();
  }
  // What the client did not send stays unread: drop it so the stream can close.
  if (!request.readableEnded) request.resume();
  observe?.({
    method,
    ...(instanceName !== undefined ? { instanceName } : {}),
    subject,
    code: outcome?.code ?? 0,
    refused: false,
    bytesIn,
    bytesOut,
    milliseconds: performance.now() - started,
  });
}

/** gRPC's `grpc-timeout` header (e.g. `10S`, `500m`) in milliseconds; undefined when absent or malformed. */
export function grpcTimeoutMs(header: string | string[] | undefined): number | undefined {
  if (typeof header !== "string") return undefined;
  const match = /^(\d{1,8})([HMSmun])$/.exec(header);
  if (match === null) return undefined;
  const unitMs: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };
  return Number(match[1]) * (unitMs[match[2] as string] as number);
}

/** Resolves when `response` can take more data; rejects when the call ends first. */
function drained(response: Http2ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    };
    const onAbort = () => {
      response.off("drain", onDrain);
      reject(signal.reason as Error);
    };
    response.once("drain", onDrain);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
