// The gRPC plumbing of a call served straight on node:http2: cancellation, deadline, status trailers and the call record.
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import type { Message } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { deadlineTimerMs, grpcTimeoutMs } from "./call-deadline.js";
import type { CallObserver } from "./observe/call-record.js";
import { CallMeter } from "./observe/call-meter.js";
import { encodeGrpcMessage } from "./refusal-handler.js";
import { StatusError, toCallStatus, type CallStatus } from "./status-of.js";
import { stopReceiving, stopReceivingAfterTrailers } from "./stop-receiving.js";
import { streamBatches } from "../util/chunk-batches.js";
import { firstEvent } from "../util/first-event.js";

/** Bytes of a request body held before the client is made to wait (on top of the HTTP/2 window). */
const BODY_HIGH_WATER_MARK = 1024 * 1024;

/** What a lean method's body gets to work with. */
export interface LeanCall {
  /** Aborts when the client goes away or the deadline passes. */
  readonly signal: AbortSignal;
  /**
   * The request body's chunks as they arrived (a `for await` over the request would concatenate
   * whatever is buffered into a new buffer). Read once; released when the call ends, however far
   * it was read; ends with the signal's reason when the signal aborts.
   */
  readonly body: AsyncGenerator<Buffer[], void, undefined>;
  /** A request message: names the call in its record (from the first) and counts its blob bytes in. */
  noteRequest(message: Message): void;
  /** A response message: counts its blob bytes out. */
  noteResponse(message: Message): void;
  /** Counts blob bytes sent without a decoded message. */
  countOut(bytes: number): void;
  /** Counts blob bytes received outside a decoded message (data left in the chunks it arrived in). */
  countIn(bytes: number): void;
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
  // Nothing is metered when nothing observes: naming each call costs a little on every one.
  const meter = observe === undefined ? undefined : new CallMeter(method, observe);
  const controller = new AbortController();
  const { signal } = controller;
  const onClose = () => controller.abort(new StatusError(Code.Canceled, "the client went away"));
  response.once("close", onClose);
  const timeoutHeader = request.headers["grpc-timeout"];
  const timeoutMs = grpcTimeoutMs(timeoutHeader);
  const timerMs = timeoutMs === undefined ? undefined : deadlineTimerMs(timeoutMs);
  const timer =
    timerMs === undefined ? undefined : setTimeout(() => controller.abort(new StatusError(Code.DeadlineExceeded, "the deadline passed")), timerMs);
  // A method waiting for a request message that never comes is ended by the deadline too.
  const body = streamBatches(request, BODY_HIGH_WATER_MARK, signal);
  const call: LeanCall = {
    signal,
    body,
    noteRequest: (message) => meter?.noteRequest(message),
    noteResponse: (message) => meter?.noteResponse(message),
    countOut: (bytes) => meter?.countOut(bytes),
    countIn: (bytes) => meter?.countIn(bytes),
    send: async (...parts) => {
      // A stream the client reset takes nothing more; the response hears of the reset a turn later.
      if (response.stream.destroyed) throw signal.aborted ? (signal.reason as Error) : new StatusError(Code.Canceled, "the client went away");
      startResponse(response);
      let room = true;
      // Corked, the parts go to HTTP/2 as one gathered write rather than one write each.
      if (parts.length > 1) response.stream.cork();
      for (const part of parts) room = response.write(part);
      if (parts.length > 1) response.stream.uncork();
      if (!room) await firstEvent(response, ["drain"], signal);
    },
  };
  let outcome: CallStatus | undefined;
  try {
    if (timeoutHeader !== undefined && timeoutMs === undefined) {
      throw new ConnectError(`protocol error: invalid grpc timeout value: ${String(timeoutHeader)}`, Code.InvalidArgument);
    }
    await work(call);
  } catch (error) {
    outcome = signal.aborted ? toCallStatus(signal.reason) : toCallStatus(error);
  } finally {
    clearTimeout(timer);
    response.off("close", onClose);
  }
  // An answer may come before the whole request (a blob stored already, a refused name): the body
  // reader lets go of the stream, whose listener would otherwise pause it again for good.
  void body.return(undefined);
  // Http2ServerResponse has no `destroyed`: whether a client reset the call is the stream's to say.
  const { stream } = response;
  if (!stream.destroyed && !stream.closed && !response.writableEnded) endWithStatus(response, outcome);
  // What the client did not send stays unread: drop it so the stream can close.
  if (!request.readableEnded) request.resume();
  meter?.finish(outcome);
}

/**
 * Ends the response with the call's status: in trailers after the answer, or, for a failure before
 * any answer, in gRPC's trailers-only form, one HEADERS frame in one write (Node sends trailers
 * from a setImmediate, a write and an event-loop turn after the rest). Then stops a client that
 * is still sending ({@link stopReceiving}).
 */
function endWithStatus(response: Http2ServerResponse, outcome: CallStatus | undefined): void {
  const status = {
    "grpc-status": String(outcome?.code ?? 0),
    ...(outcome !== undefined ? { "grpc-message": encodeGrpcMessage(outcome.rawMessage) } : {}),
  };
  const { stream } = response;
  if (outcome !== undefined && !response.headersSent) {
    if (stream.destroyed || stream.closed) return;
    stream.respond({ ":status": 200, "content-type": "application/grpc", ...status }, { endStream: true });
    stopReceiving(stream);
    return;
  }
  startResponse(response);
  response.addTrailers(status);
  stopReceivingAfterTrailers(response);
  response.end();
}

/** Sends the response's headers, unless they have been sent. */
function startResponse(response: Http2ServerResponse): void {
  if (!response.headersSent) response.writeHead(200, { "content-type": "application/grpc" });
}
