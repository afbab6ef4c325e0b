// A node:http2 server with none of bst-cas-run's code, set up as `serve` is (its SETTINGS, the
// HTTP/1.1 sniffer in front, the compatibility API), answering every call with one empty gRPC
// message: the floor Node's HTTP/2 sets for a call. Prints "ready" once it listens.
//
//   node bench/lib/bare-http2-server.mjs SOCKET
import { rmSync } from "node:fs";
import { createServer as createHttp2Server } from "node:http2";
import { createServer as createNetServer } from "node:net";

const [socketPath] = process.argv.slice(2);
const WINDOW_BYTES = 8 * 1024 * 1024;
const EMPTY_MESSAGE = Buffer.from([0, 0, 0, 0, 0]);

const http2 = createHttp2Server({ settings: { initialWindowSize: WINDOW_BYTES, maxFrameSize: 1024 * 1024 } }, (request, response) => {
  request.resume();
  request.once("end", () => {
    response.writeHead(200, { "content-type": "application/grpc" });
    response.addTrailers({ "grpc-status": "0" });
    response.end(EMPTY_MESSAGE);
  });
});
http2.on("session", (session) => session.setLocalWindowSize(WINDOW_BYTES));
const front = createNetServer((socket) => {
  socket.once("data", (first) => {
    socket.pause();
    socket.unshift(first);
    http2.emit("connection", socket);
  });
});
rmSync(socketPath, { force: true });
front.listen(socketPath, () => process.stdout.write("ready\n"));
process.once("SIGTERM", () => process.exit(0));
