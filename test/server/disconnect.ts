// Clients that go away mid-transfer: the server stays healthy and the store holds no partial blob.
import { constants } from "node:http2";
import t, { type Test } from "tap";
import { create, toBinary } from "@bufbuild/protobuf";
import grpc from "@grpc/grpc-js";
import { Capabilities, ContentAddressableStorage } from "../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { ByteStream, ReadRequestSchema, WriteRequestSchema } from "../../src/gen/google/bytestream/bytestream_pb.js";
import { blobOf, call, codeName, digestOf } from "../helpers/grpc-call.js";
import type { CallRecord } from "../../src/server/observe/call-record.js";
import { startInProcessServer, type InProcessServer } from "../helpers/in-process-server.js";
import { cancelAtFirstBytes, frame, rawGrpcCall, rawSession } from "../helpers/raw-grpc.js";
import { eventually, storeProblems, storeTempFiles, storeTmpEntries } from "../helpers/store-audit.js";

const { OK, CANCELLED } = grpc.status;
const MIB = 1024 * 1024;
const BLOB = blobOf(64 * MIB, "disconnect");
const DIGEST = digestOf(BLOB);
const WRITE_NAME = `uploads/u1/blobs/${DIGEST.hash}/${DIGEST.sizeBytes}`;
const READ_NAME = `blobs/${DIGEST.hash}/${DIGEST.sizeBytes}`;
const WRITE_PATH = "/google.bytestream.ByteStream/Write";
const READ_PATH = "/google.bytestream.ByteStream/Read";
/** A ReadRequest for the whole of BLOB, encoded. */
const READ_REQUEST = toBinary(ReadRequestSchema, create(ReadRequestSchema, { resourceName: READ_NAME }));

/** The i-th 1 MiB WriteRequest of BLOB (`named` on the first of a stream). */
const writeInit = (index: number, named: boolean, name = WRITE_NAME) => ({
  resourceName: named ? name : "",
  writeOffset: BigInt(index * MIB),
  data: BLOB.subarray(index * MIB, (index + 1) * MIB),
  finishWrite: (index + 1) * MIB >= BLOB.byteLength,
});
/** The same, encoded. */
const writeChunk = (index: number, name = WRITE_NAME): Buffer =>
  Buffer.from(toBinary(WriteRequestSchema, create(WriteRequestSchema, writeInit(index, index === 0, name))));
const halfway = BLOB.byteLength / MIB / 2;

const grpcHeaders = (path: string) => ({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers" });

/** Resolves once the store has an upload in progress (so the server really is mid-upload). */
const uploadStarted = (served: InProcessServer) => eventually(async () => (await storeTmpEntries(served.storeDir)).length > 0, 5000);

/** A following call works on the channel that went away (when it is grpc-js's) and on a new one. */
async function assertHealthy(t: Test, served: InProcessServer, client: grpc.Client): Promise<void> {
  for (const [name, channel] of [["the same channel", client], ["a new channel", served.client()]] as const) {
    const caps = await call(channel, Capabilities.method.getCapabilities, {});
    t.equal(codeName(caps.code), codeName(OK), `a following call on ${name} works (${caps.details})`);
  }
}

/**
 * After an upload broke off: no blob is visible, no temp file is left, and what tmp/ keeps is at
 * most the resumable upload of this name, which QueryWriteStatus reports and a resume completes.
 */
async function assertNoPartialBlob(t: Test, served: InProcessServer, client: grpc.Client, sentBytes: number): Promise<void> {
  t.ok(await eventually(async () => (await storeTempFiles(served.storeDir)).length === 0), "no temp file is left in tmp/ after a short wait");
  const kept = await storeTmpEntries(served.storeDir);
  t.ok(kept.length <= 1, `tmp/ keeps at most the one resumable upload (${kept.join(", ")})`);
  const missing = await call(client, ContentAddressableStorage.method.findMissingBlobs, { blobDigests: [DIGEST] });
  t.equal(missing.responses[0]?.missingBlobDigests.length, 1, "FindMissingBlobs reports the half-uploaded blob missing");
  t.strictSame(await storeProblems(served.storeDir, { partialUploads: true }), [], "cas/ holds no partial blob");

  const query = await call(client, ByteStream.method.queryWriteStatus, { resourceName: WRITE_NAME });
  const status = query.responses[0];
  t.equal(codeName(query.code), codeName(OK), `QueryWriteStatus answers (${query.details})`);
  t.equal(status?.complete, false, "the upload is not complete");
  const committed = Number(status?.committedSize ?? -1);
  t.ok(committed >= 0 && committed <= sentBytes && committed % MIB === 0, `committed_size ${committed} is whole chunks the client sent`);
  const resume = Array.from({ length: (BLOB.byteLength - committed) / MIB }, (_, at) => writeInit(committed / MIB + at, at === 0));
  const resumed = await call(client, ByteStream.method.write, resume, { deadlineMs: 60_000 });
  t.equal(codeName(resumed.code), codeName(OK), `resuming at ${committed} completes the upload (${resumed.details})`);
  t.strictSame(await storeProblems(served.storeDir), [], "then the store holds the whole blob and tmp/ is empty");
}

t.test("an upload cancelled half way", async (t) => {
  const served = await startInProcessServer(t);
  const client = served.client();
  const ended = new Promise<grpc.ServiceError | null>((resolve) => {
    const identity = (buffer: Buffer) => buffer;
    const stream = client.makeClientStreamRequest(WRITE_PATH, identity, identity, (error) => resolve(error));
    void (async () => {
      for (let index = 0; index < halfway; index++) {
        if (!stream.write(writeChunk(index))) await new Promise((drained) => stream.once("drain", drained));
      }
      t.ok(await uploadStarted(served), "the server is writing the upload");
      stream.cancel();
    })();
  });
  const error = await ended;
  t.equal(codeName(error?.code ?? OK), codeName(CANCELLED), "the client sees its own cancellation");
  await assertHealthy(t, served, client);
  await assertNoPartialBlob(t, served, client, halfway * MIB);
});

t.test("an upload whose connection drops half way", async (t) => {
  const served = await startInProcessServer(t);
  const session = rawSession(served.socketPath);
  const stream = session.request(grpcHeaders(WRITE_PATH));
  stream.on("error", () => undefined);
  for (let index = 0; index < halfway; index++) {
    if (!stream.write(frame(writeChunk(index)))) await new Promise((drained) => stream.once("drain", drained));
  }
  t.ok(await uploadStarted(served), "the server is writing the upload");
  session.destroy();
  const client = served.client();
  await assertHealthy(t, served, client);
  await assertNoPartialBlob(t, served, client, halfway * MIB);
});

/** Stores BLOB through a well-behaved client. */
async function storeBlob(t: Test, client: grpc.Client): Promise<void> {
  const requests = Array.from({ length: BLOB.byteLength / MIB }, (_, index) => writeInit(index, index === 0));
  const write = await call(client, ByteStream.method.write, requests, { deadlineMs: 60_000 });
  t.equal(codeName(write.code), codeName(OK), "the blob is stored first");
}

/** After a download broke off: the blob is whole, readable, and tmp/ is empty. */
async function assertBlobIntact(t: Test, served: InProcessServer, client: grpc.Client): Promise<void> {
  t.ok(await eventually(async () => (await storeTmpEntries(served.storeDir)).length === 0), "tmp/ is empty");
  t.strictSame(await storeProblems(served.storeDir), [], "the store holds only the whole, verified blob");
  const again = await call(client, ByteStream.method.read, { resourceName: READ_NAME }, { deadlineMs: 60_000 });
  t.ok(again.code === OK && Buffer.concat(again.responses.map((r) => r.data)).equals(BLOB), "a full read afterwards returns the whole blob");
}

t.test("a download cancelled after the first chunk", async (t) => {
  const served = await startInProcessServer(t);
  const client = served.client();
  await storeBlob(t, client);
  const identity = (buffer: Buffer) => buffer;
  const request = Buffer.from(READ_REQUEST);
  const stream = client.makeServerStreamRequest(READ_PATH, identity, identity, request);
  const status = await new Promise<grpc.StatusObject>((resolve) => {
    stream.once("data", () => stream.cancel());
    stream.on("error", () => undefined);
    stream.on("status", resolve);
  });
  t.equal(codeName(status.code), codeName(CANCELLED), "the client sees its own cancellation");
  await assertHealthy(t, served, client);
  await assertBlobIntact(t, served, client);
});

t.test("a download whose connection drops after the first chunk", async (t) => {
  const served = await startInProcessServer(t);
  await storeBlob(t, served.client());
  const session = rawSession(served.socketPath);
  const stream = session.request(grpcHeaders(READ_PATH));
  stream.on("error", () => undefined);
  stream.end(frame(READ_REQUEST));
  await new Promise((resolve) => stream.once("data", resolve));
  session.destroy();
  const client = served.client();
  await assertHealthy(t, served, client);
  await assertBlobIntact(t, served, client);
});

t.test("downloads reset at any point, by gRPC and Connect clients, with any code", async (t) => {
  const reads: CallRecord[] = [];
  const served = await startInProcessServer(t, { observe: (record) => record.method.endsWith("ByteStream/Read") && reads.push(record) });
  await storeBlob(t, served.client());
  const request = frame(READ_REQUEST);
  let calls = 0;
  for (const contentType of ["application/grpc", "application/connect+proto"]) {
    for (const code of [constants.NGHTTP2_CANCEL, constants.NGHTTP2_NO_ERROR, constants.NGHTTP2_INTERNAL_ERROR]) {
      // A session of its own for a few resets: Node refuses streams on a session that resets many.
      const session = rawSession(served.socketPath);
      t.teardown(() => session.destroy());
      for (const resetAfterBytes of [0, 1, 4 * MIB]) {
        calls++;
        await new Promise<void>((resolve) => {
          const stream = session.request({ ...grpcHeaders(READ_PATH), "content-type": contentType });
          stream.on("error", () => undefined);
          stream.on("close", () => resolve());
          let received = 0;
          if (resetAfterBytes === 0) stream.once("ready", () => setImmediate(() => stream.close(code)));
          stream.on("data", (chunk: Buffer) => {
            received += chunk.byteLength;
            if (resetAfterBytes > 0 && received >= resetAfterBytes) stream.close(code);
          });
          stream.end(request);
        });
      }
    }
  }
  t.ok(await eventually(async () => reads.length === calls, 5000), `every Read the server saw ended (${reads.length} of ${calls})`);
  t.ok(reads.every((record) => record.code !== OK && record.bytesOut < BLOB.byteLength), "none as a whole answer");
  const client = served.client();
  await assertHealthy(t, served, client);
  await assertBlobIntact(t, served, client);
});

t.test("a connection on which 40 downloads were cancelled mid-answer still serves", async (t) => {
  const served = await startInProcessServer(t);
  await storeBlob(t, served.client());
  const session = rawSession(served.socketPath);
  t.teardown(() => session.destroy());
  const request = frame(READ_REQUEST);
  const resetCodes: number[] = [];
  for (let index = 0; index < 40; index++) resetCodes.push((await cancelAtFirstBytes(session, READ_PATH, request)).rstCode);
  t.ok(resetCodes.every((code) => code === constants.NGHTTP2_CANCEL), `every download got its first bytes and was cancelled by the client (${[...new Set(resetCodes)].join(", ")})`);
  const after = await rawGrpcCall(session, READ_PATH, request, { deadlineMs: 60_000 });
  t.equal(codeName(after.code), codeName(OK), `a whole Read on the same connection afterwards (${after.malformed ?? after.details})`);
  t.equal(after.messages.reduce((sum, message) => sum + message.byteLength, 0) > BLOB.byteLength, true, "with the whole blob");
});

// 20 uploads of one blob cut off together: those queued behind the first must leave the queue
// when their calls are cancelled, and the store's close() must wait for every one of them.
t.test("many clients vanishing at once", async (t) => {
  const writesEnded: CallRecord[] = [];
  const observe = (record: CallRecord) => {
    if (record.method.endsWith("ByteStream/Write")) writesEnded.push(record);
  };
  const served = await startInProcessServer(t, { observe });
  const sessions = Array.from({ length: 20 }, () => rawSession(served.socketPath));
  sessions.forEach((session, at) => {
    const stream = session.request(grpcHeaders(WRITE_PATH));
    stream.on("error", () => undefined);
    const name = `uploads/vanishing-${at}/blobs/${DIGEST.hash}/${DIGEST.sizeBytes}`;
    for (let index = 0; index < 4; index++) stream.write(frame(writeChunk(index, name)));
  });
  t.ok(await uploadStarted(served), "the server is writing uploads");
  for (const session of sessions) session.destroy();
  const client = served.client();
  await assertHealthy(t, served, client);
  // The server learns of each connection's end in its own turn: a write whose turn came before
  // its client's end was seen does start, and only once all 20 have ended is tmp/ settled.
  t.ok(await eventually(async () => writesEnded.length === sessions.length, 10_000), "every Write call ends");
  t.strictSame(await storeTempFiles(served.storeDir), [], "no temp file is left in tmp/");
  t.strictSame(await storeProblems(served.storeDir, { partialUploads: true }), [], "cas/ holds no partial blob");
  const missing = await call(client, ContentAddressableStorage.method.findMissingBlobs, { blobDigests: [DIGEST] });
  t.equal(missing.responses[0]?.missingBlobDigests.length, 1, "FindMissingBlobs reports the blob missing");
});
