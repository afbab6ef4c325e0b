// A client connection's socket that merges the HTTP/2 DATA frames written to it (see DataFrameMerger).
import { Duplex } from "node:stream";
import type { Socket } from "node:net";
import { DataFrameMerger } from "./data-frame-merger.js";

/**
 * Wraps the socket of an HTTP/2 client connection: what is read passes through unchanged (and is
 * watched for the peer's SETTINGS), what is written goes out with runs of DATA frames merged.
 * Each write completes once the socket has taken its bytes, so the session's next write gathers
 * what it produced meanwhile.
 */
export function mergingSocket(socket: Socket): Duplex {
  const merger = new DataFrameMerger();
  const wrapper: Duplex = new Duplex({
    allowHalfOpen: false,
    read() {
      socket.resume();
    },
    writev(chunks, callback) {
      const pieces = merger.rewrite(chunks.map(({ chunk }) => chunk as Buffer));
      if (pieces.length === 0) return callback();
      socket.cork();
      for (let index = 0; index < pieces.length - 1; index++) socket.write(pieces[index]);
      socket.write(pieces[pieces.length - 1], (error) => callback(error ?? null));
      socket.uncork();
    },
    final(callback) {
      socket.end(() => callback());
    },
    destroy(error, callback) {
      socket.destroy(error ?? undefined);
      callback(error);
    },
  });
  socket.on("data", (chunk: Buffer) => {
    merger.observeIncoming(chunk);
    if (!wrapper.push(chunk)) socket.pause();
  });
  socket.once("end", () => wrapper.push(null));
  socket.on("error", (error) => wrapper.destroy(error));
  socket.once("close", () => wrapper.destroy());
  return wrapper;
}
