// Ending a call whose client is still sending: RST_STREAM(NO_ERROR) once the status is on its way.
import { constants, type Http2ServerResponse, type ServerHttp2Stream } from "node:http2";

/**
 * Closes `stream` with RST_STREAM(NO_ERROR) when the client has not finished sending. Call it once
 * the status has been handed to HTTP/2 (Node flushes what is queued before the reset): the answer
 * is complete and the rest of the request is not wanted (HTTP/2 §8.1; grpc-go does the same).
 * Left open, the stream would hold up to a window of unread data until the client gave up.
 */
export function stopReceiving(stream: ServerHttp2Stream): void {
  if (!stream.destroyed && !stream.closed && stream.state.remoteClose !== 1) stream.close(constants.NGHTTP2_NO_ERROR);
}

/** {@link stopReceiving} once `response`'s trailers (sent whenever it ends, empty or not) are handed to HTTP/2. */
export function stopReceivingAfterTrailers(response: Http2ServerResponse): void {
  const { stream } = response;
  // Node's response hands the trailers over from a setImmediate it schedules on this same event,
  // from a listener registered when the response was made: an immediate scheduled here runs after it.
  stream.once("wantTrailers", () => setImmediate(stopReceiving, stream));
}
