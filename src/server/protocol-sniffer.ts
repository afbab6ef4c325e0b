// One socket, two HTTP versions: HTTP/2 (gRPC) by its connection preface, HTTP/1.1 otherwise.
import type { Server as Http1Server } from "node:http";
import type { Http2Server } from "node:http2";
import { createServer, type Server, type Socket } from "node:net";

/** The HTTP/2 client connection preface starts with these bytes. */
const HTTP2_PREFACE = Buffer.from("PRI * HTTP/2.0");

/** A listening server that hands each connection to the HTTP/2 or the HTTP/1.1 server. */
export interface SniffingServer extends Server {
  /** Destroys every connection still open (the HTTP/2 sessions are closed by their owner). */
  destroyConnections(): void;
}

/** Creates a net.Server that reads each connection's first bytes and passes it to the right server. */
export function createProtocolSniffer(http2Server: Http2Server, http1Server: Http1Server): SniffingServer {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.once("error", () => socket.destroy());
    socket.once("data", (first: Buffer) => {
      // Put the bytes back, paused: each server reads what is buffered before the rest.
      socket.pause();
      socket.unshift(first);
      const isHttp2 = first.subarray(0, HTTP2_PREFACE.length).equals(HTTP2_PREFACE.subarray(0, Math.min(first.length, HTTP2_PREFACE.length)));
      if (isHttp2) {
        http2Server.emit("connection", socket);
      } else {
        http1Server.emit("connection", socket);
        socket.resume();
      }
    });
  }) as SniffingServer;
  server.destroyConnections = () => {
    for (const socket of sockets) socket.destroy();
  };
  return server;
}
