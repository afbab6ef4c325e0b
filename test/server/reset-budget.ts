// Tests for src/server/reset-budget.ts: a connection whose client resets many streams is sent GOAWAY, and its calls are never refused.
import { once } from "node:events";
import { constants, createServer, type ClientHttp2Session } from "node:http2";
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import t from "tap";
import { create, toBinary } from "@bufbuild/protobuf";
import grpc from "@grpc/grpc-js";
import { ByteStream, ReadRequestSchema } from "../../src/gen/google/bytestream/bytestream_pb.js";
import { goAwayAfterResets } from "../../src/server/reset-budget.js";
import { blobOf, call, codeName, digestOf } from "../helpers/grpc-call.js";
import { startInProcessServer } from "../helpers/in-process-server.js";
import { cancelAtFirstBytes, frame, rawGrpcCall, rawSession } from "../helpers/raw-grpc.js";

const MIB = 1024 * 1024;
const READ_PATH = "/google.bytestream.ByteStream/Read";

t.test("GOAWAY after the limit's reset streams, not before; streams ended normally do not count", async (t) => {
  const dir = await mkdtemp("/tmp/bcr-reset-");
  const path = join(dir, "s.sock");
  const server = createServer((_request, response) => {
    response.writeHead(200);
    response.write(Buffer.alloc(1024));
    if (_request.headers[":path"] === "/whole") response.end();
  });
  server.on("session", (session) => goAwayAfterResets(session, 3));
  server.listen(path);
  await once(server, "listening");
  t.teardown(async () => {
    server.close();
    await rm(dir, { recursive: true, force: true });
  });
  const session = rawSession(path);
  t.teardown(() => session.destroy());
  let goaway: number | undefined;
  session.on("goaway", (code: number) => (goaway = code));
  const whole = (): Promise<void> =>
    new Promise((resolve) => {
      const stream = session.request({ ":path": "/whole" });
      stream.resume();
      stream.on("close", () => resolve());
      stream.end();
    });
  for (let index = 0; index < 5; index++) await whole();
  for (let index = 0; index < 2; index++) await cancelAtFirstBytes(session, READ_PATH, Buffer.alloc(0));
  await whole();
  t.equal(goaway, undefined, "five whole answers and two resets: no GOAWAY");
  await cancelAtFirstBytes(session, READ_PATH, Buffer.alloc(0));
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.equal(goaway, constants.NGHTTP2_NO_ERROR, "the third reset: GOAWAY with NO_ERROR");
});

t.test("1,200 downloads cancelled by one client: none refused, the client reconnects at each GOAWAY", async (t) => {
  const served = await startInProcessServer(t);
  const blob = blobOf(4 * MIB, "reset budget");
  const digest = digestOf(blob);
  const requests = Array.from({ length: 4 }, (_, index) => ({
    resourceName: index === 0 ? `uploads/r/blobs/${digest.hash}/${digest.sizeBytes}` : "",
    writeOffset: BigInt(index * MIB),
    data: blob.subarray(index * MIB, (index + 1) * MIB),
    finishWrite: index === 3,
  }));
  const stored = await call(served.client(), ByteStream.method.write, requests, { deadlineMs: 60_000 });
  t.equal(codeName(stored.code), codeName(grpc.status.OK), "the blob is stored");
  const body = frame(toBinary(ReadRequestSchema, create(ReadRequestSchema, { resourceName: `blobs/${digest.hash}/${digest.sizeBytes}` })));
  let session = rawSession(served.socketPath);
  let goaways = 0;
  const watch = (current: ClientHttp2Session) => current.once("goaway", () => goaways++);
  watch(session);
  const reconnect = () => {
    session.close();
    session = rawSession(served.socketPath);
    watch(session);
  };
  const failures: string[] = [];
  let retried = 0;
  for (let index = 0; index < 1200; index++) {
    if (session.closed || session.destroyed) reconnect();
    let ending = await cancelAtFirstBytes(session, READ_PATH, body);
    // A stream opened as the GOAWAY crossed it is refused unprocessed (REFUSED_STREAM), which a
    // gRPC client retries on a new connection; any other refusal is a failure.
    if (!ending.gotData && ending.rstCode === constants.NGHTTP2_REFUSED_STREAM) {
      retried++;
      reconnect();
      ending = await cancelAtFirstBytes(session, READ_PATH, body);
    }
    if (!ending.gotData) failures.push(`download ${index}: RST_STREAM ${ending.rstCode}`);
  }
  t.teardown(() => session.destroy());
  t.strictSame(failures.slice(0, 3), [], `every download got its first bytes (${failures.length} did not)`);
  t.ok(goaways >= 4, `the client was asked to reconnect (${goaways} GOAWAYs for 1,200 resets; ${retried} streams refused unprocessed and retried)`);
  const after = await rawGrpcCall(session, READ_PATH, body, { deadlineMs: 60_000 });
  t.equal(codeName(after.code), codeName(grpc.status.OK), `a whole Read afterwards (${after.malformed ?? after.details})`);
});
