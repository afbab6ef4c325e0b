// A stand-in upstream on node:http2 over a UNIX socket, for answers a real REAPI server cannot be made to give.
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Http2ServerRequest, type Http2ServerResponse } from "node:http2";
import { join } from "node:path";
import type { Test } from "tap";
import { create, toBinary } from "@bufbuild/protobuf";
import { DigestFunction_Value, ServerCapabilitiesSchema } from "../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import type { OpenUpstreamCall } from "../../src/backend/remote/upstream-call.js";
import { createUpstreamTransport } from "../../src/backend/remote/upstream-transport.js";
import { grpcFrame } from "../../src/server/grpc-frames.js";

/** How the stand-in answers each call. */
export type Upstream = (request: Http2ServerRequest, response: Http2ServerResponse) => void | Promise<void>;

/** A stand-in upstream on a UNIX socket, answering with `serve`; resolves with a way to open calls to it. */
export async function standIn(t: Test, serve: Upstream): Promise<OpenUpstreamCall> {
  const { path } = await standInSocket(t, serve);
  const upstream = createUpstreamTransport({ kind: "unix", path, text: `unix:${path}` }, { accessToken: "sesame" });
  t.teardown(() => upstream.close());
  return upstream.openCall;
}

/**
 * A stand-in upstream answering with `serve` on the socket `up.sock` in a fresh directory, for a
 * bst-cas-run process to reach with `--remote unix:PATH`; both are removed at the end of `t`.
 */
export async function standInSocket(t: Test, serve: Upstream): Promise<{ readonly path: string; readonly dir: string }> {
  const dir = await mkdtemp("/tmp/bcr-ubs-");
  const path = join(dir, "up.sock");
  const server = createServer((request, response) => void serve(request, response));
  await new Promise<void>((resolve) => server.listen(path, resolve));
  t.teardown(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });
  return { path, dir };
}

/** A ServerCapabilities message offering a SHA-256 CAS, all a bst-cas-run needs of an upstream to start. */
export const SHA256_CAPABILITIES = toBinary(ServerCapabilitiesSchema, create(ServerCapabilitiesSchema, { cacheCapabilities: { digestFunctions: [DigestFunction_Value.SHA256] } }));

/** Answers a gRPC call with `messages` and then `status` (and `message`) in the trailers. */
export const answer = (response: Http2ServerResponse, status: number, messages: Uint8Array[] = [], message = "") => {
  response.writeHead(200, { "content-type": "application/grpc" });
  for (const each of messages) response.write(grpcFrame(each));
  response.addTrailers({ "grpc-status": String(status), ...(message !== "" ? { "grpc-message": encodeURIComponent(message) } : {}) });
  response.end();
};
