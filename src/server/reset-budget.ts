// Sends GOAWAY on a connection whose client has reset many streams, before Node's memory accounting refuses its calls.
import { constants, type Http2Session, type ServerHttp2Stream } from "node:http2";

/**
 * Once `limit` streams of `session` have ended in RST_STREAM with an error code (most often a
 * download its client cancelled), closes the session gracefully: GOAWAY, the calls in flight
 * finish, and the client opens a new connection for the next ones. Node 20 counts the answer
 * data queued on a reset stream as the session's memory and never gives it back, so a long-lived
 * connection would otherwise, after enough cancelled downloads (about one per MiB of
 * `maxSessionMemory`), refuse every new call with ENHANCE_YOUR_CALM.
 */
export function goAwayAfterResets(session: Http2Session, limit: number): void {
  let resets = 0;
  session.on("stream", (stream: ServerHttp2Stream) => {
    stream.once("close", () => {
      if (stream.rstCode === undefined || stream.rstCode === constants.NGHTTP2_NO_ERROR) return;
      resets++;
      if (resets === limit && !session.closed && !session.destroyed) session.close();
    });
  });
}
