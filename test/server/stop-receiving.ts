// Tests for src/server/stop-receiving.ts: a call answered before its client finished sending ends its HTTP/2 stream, on the lean gRPC path and on Connect's.
import type { ClientHttp2Session } from "node:http2";
import t, { type Test } from "tap";
import { create, toBinary } from "@bufbuild/protobuf";
import grpc from "@grpc/grpc-js";
import { ByteStream, WriteRequestSchema } from "../../src/gen/google/bytestream/bytestream_pb.js";
import { blobOf, call, codeName, digestOf } from "../helpers/grpc-call.js";
import { startInProcessServer, type InProcessServer } from "../helpers/in-process-server.js";
import { frame, rawSession, recordReceived, type Received } from "../helpers/raw-grpc.js";

const MIB = 1024 * 1024;
/** Several times what the server holds unread (its 8 MiB window and 1 MiB of buffered body). */
const BLOB = blobOf(32 * MIB, "answered early");
const DIGEST = digestOf(BLOB);
const WRITE_PATH = "/google.bytestream.ByteStream/Write";
/** Only a failure bound: a stream the server leaves open would otherwise hang the test. */
const CLOSE_BOUND_MS = 30_000;

/** The 1 MiB WriteRequests of BLOB, named `name` on the first. */
const writeRequests = (name: string) =>
  Array.from({ length: BLOB.byteLength / MIB }, (_, index) => ({
    resourceName: index === 0 ? name : "",
    writeOffset: BigInt(index * MIB),
    data: BLOB.subarray(index * MIB, (index + 1) * MIB),
    finishWrite: (index + 1) * MIB === BLOB.byteLength,
  }));

/** The same, framed. */
const writeFrames = (name: string): Buffer[] => writeRequests(name).map((request) => frame(toBinary(WriteRequestSchema, create(WriteRequestSchema, request))));

/** Stores BLOB through the server, so that a later Write of it is answered at its first message. */
async function storeBlob(t: Test, served: InProcessServer): Promise<void> {
  const stored = await call(served.client(), ByteStream.method.write, writeRequests(`uploads/u0/blobs/${DIGEST.hash}/${DIGEST.sizeBytes}`), { deadlineMs: 120_000 });
  t.equal(codeName(stored.code), codeName(grpc.status.OK), `the blob is stored first (${stored.details})`);
}

/** `count` 1 MiB messages of zeros: never read when the server has answered before them. */
const filler = (count: number): Buffer[] => Array.from({ length: count }, () => frame(Buffer.alloc(MIB)));

/** Two small messages where one is expected (neither decoded: the second is refused first), then 32 MiB more. */
const extraMessage = (): Buffer[] => [frame(Buffer.alloc(10)), frame(Buffer.alloc(10)), ...filler(32)];

/** How a stream the client kept sending on ended: what it received, and whether it closed at all. */
interface Ending extends Received {
  /** The RST_STREAM code it closed with; undefined while it is still open at the bound. */
  readonly rstCode: number | undefined;
}

/**
 * Sends `messages` on a new stream as fast as flow control allows, without waiting for the answer
 * and without ever half-closing, and resolves when the stream closes (or, open, at the bound).
 */
function sendWithoutEnd(session: ClientHttp2Session, path: string, contentType: string, messages: readonly Buffer[]): Promise<Ending> {
  return new Promise((resolve) => {
    const stream = session.request({ ":method": "POST", ":path": path, "content-type": contentType, te: "trailers" });
    const received = recordReceived(stream);
    stream.on("error", () => undefined);
    const bound = setTimeout(() => {
      stream.close();
      resolve({ ...received(), rstCode: undefined });
    }, CLOSE_BOUND_MS);
    stream.on("close", () => {
      clearTimeout(bound);
      resolve({ ...received(), rstCode: stream.rstCode });
    });
    void (async () => {
      for (const message of messages) {
        if (stream.closed || stream.destroyed) return;
        if (!stream.write(message)) await new Promise((go) => (stream.once("drain", go), stream.once("close", go)));
      }
    })();
  });
}

/** The grpc-status of a gRPC ending: in the trailers, or in the headers of a trailers-only answer. */
const grpcStatusOf = (ending: Ending): number => Number(ending.trailers?.["grpc-status"] ?? ending.headers["grpc-status"] ?? -1);

t.test("a call answered before its client finished sending closes its stream after the status", async (t) => {
  const served = await startInProcessServer(t);
  await storeBlob(t, served);
  const session = rawSession(served.socketPath);
  t.teardown(() => session.destroy());
  const { OK, INVALID_ARGUMENT, UNIMPLEMENTED } = grpc.status;
  const cases = [
    { name: "a Write of a blob stored already", path: WRITE_PATH, messages: writeFrames(`uploads/u1/blobs/${DIGEST.hash}/${DIGEST.sizeBytes}`), code: OK },
    { name: "a Write with a malformed resource name", path: WRITE_PATH, messages: [...writeFrames("blobs/zz/1").slice(0, 1), ...filler(31)], code: INVALID_ARGUMENT },
    { name: "a unary call sent a second message", path: "/build.bazel.remote.execution.v2.ContentAddressableStorage/FindMissingBlobs", messages: extraMessage(), code: UNIMPLEMENTED },
    { name: "a Read sent a second message", path: "/google.bytestream.ByteStream/Read", messages: extraMessage(), code: INVALID_ARGUMENT },
  ];
  for (const item of cases) {
    const ending = await sendWithoutEnd(session, item.path, "application/grpc", item.messages);
    t.equal(codeName(grpcStatusOf(ending)), codeName(item.code), `${item.name}: the client has the status`);
    t.equal(ending.rstCode, 0, `${item.name}: then the stream closes, with NO_ERROR`);
  }
});

t.test("a Connect-protocol Write of a blob stored already closes its stream after the end of the answer", async (t) => {
  const served = await startInProcessServer(t);
  await storeBlob(t, served);
  const session = rawSession(served.socketPath);
  t.teardown(() => session.destroy());
  const ending = await sendWithoutEnd(session, WRITE_PATH, "application/connect+proto", writeFrames(`uploads/u1/blobs/${DIGEST.hash}/${DIGEST.sizeBytes}`));
  t.equal(ending.headers[":status"], 200, "answered");
  // The Connect protocol ends a stream with a message flagged 2 holding its error, "{}" for none.
  t.ok(ending.body.includes(Buffer.from([2, 0, 0, 0, 2, 0x7b, 0x7d])), "with the end-of-stream message of a success");
  t.equal(ending.rstCode, 0, "then the stream closes, with NO_ERROR");
});
