// One HTTP/1.1 exchange on a UNIX socket, written by hand: for requests no client library would send.
import { connect as connectSocket } from "node:net";

/** Options for {@link http1Exchange}. */
export interface Http1ExchangeOptions {
  /** Milliseconds between the request's head and its body; sent together by default. */
  readonly bodyAfterMs?: number;
}

/**
 * Sends `head` on a new connection to `socketPath`, then `body`, and ends its side; resolves with
 * everything the server sent once it closes (or after 5 s).
 */
export function http1Exchange(socketPath: string, head: string, body = "", options: Http1ExchangeOptions = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = connectSocket(socketPath);
    let text = "";
    socket.setTimeout(5000, () => socket.destroy());
    socket.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
    socket.on("error", () => resolve(text));
    socket.on("close", () => resolve(text));
    socket.write(head);
    if (options.bodyAfterMs === undefined) socket.end(body);
    else setTimeout(() => socket.end(body), options.bodyAfterMs);
  });
}
