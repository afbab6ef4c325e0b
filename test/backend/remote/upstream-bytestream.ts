// Tests for src/backend/remote/upstream-bytestream.ts against a stand-in upstream on node:http2 (for answers casd cannot be made to give).
import t from "tap";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ReadRequestSchema, ReadResponseSchema, WriteRequestSchema, WriteResponseSchema } from "../../../src/gen/google/bytestream/bytestream_pb.js";
import { readFromUpstream, writeToUpstream } from "../../../src/backend/remote/upstream-bytestream.js";
import { grpcFrame, grpcMessages } from "../../../src/server/grpc-frames.js";
import { answer, standIn } from "../../helpers/stand-in-upstream.js";

const failure = (work: Promise<unknown>) => work.then(() => undefined, (error: unknown) => error);
const collect = async (chunks: AsyncIterable<Uint8Array>) => {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
};
const signal = () => new AbortController().signal;

t.test("a Write is framed as protobuf would frame it: name first, running offsets, finish_write last", async (t) => {
  const seen: { resourceName: string; writeOffset: bigint; size: number; finishWrite: boolean }[] = [];
  let authorization: string | undefined;
  const open = await standIn(t, async (request, response) => {
    authorization = request.headers.authorization;
    for await (const bytes of grpcMessages(request as AsyncIterable<Buffer>, 1 << 24)) {
      const message = fromBinary(WriteRequestSchema, bytes);
      seen.push({ resourceName: message.resourceName, writeOffset: message.writeOffset, size: message.data.byteLength, finishWrite: message.finishWrite });
    }
    answer(response, 0, [toBinary(WriteResponseSchema, create(WriteResponseSchema, { committedSize: 300n }))]);
  });
  const chunks = [Buffer.alloc(100, 1), Buffer.alloc(200, 2)];
  t.equal(await writeToUpstream(open, "uploads/u/blobs/x/300", chunks, { signal: signal() }), 300n, "the committed size answered");
  t.strictSame(seen, [
    { resourceName: "uploads/u/blobs/x/300", writeOffset: 0n, size: 100, finishWrite: false },
    { resourceName: "", writeOffset: 100n, size: 200, finishWrite: true },
  ]);
  t.equal(authorization, "Bearer sesame", "with the token");
});

t.test("a chunk of several buffers goes up as one WriteRequest holding them all, in order", async (t) => {
  const seen: { writeOffset: bigint; data: string; finishWrite: boolean }[] = [];
  const open = await standIn(t, async (request, response) => {
    for await (const bytes of grpcMessages(request as AsyncIterable<Buffer>, 1 << 24)) {
      const message = fromBinary(WriteRequestSchema, bytes);
      seen.push({ writeOffset: message.writeOffset, data: Buffer.from(message.data).toString(), finishWrite: message.finishWrite });
    }
    answer(response, 0, [toBinary(WriteResponseSchema, create(WriteResponseSchema, { committedSize: 6n }))]);
  });
  const chunks = [[Buffer.from("ab"), Buffer.alloc(0), Buffer.from("cd")], Buffer.from("ef")];
  t.equal(await writeToUpstream(open, "uploads/u/blobs/x/6", chunks, { signal: signal() }), 6n);
  t.strictSame(seen, [
    { writeOffset: 0n, data: "abcd", finishWrite: false },
    { writeOffset: 4n, data: "ef", finishWrite: true },
  ]);
});

t.test("an upstream that answers a Write early ends it there, with its answer", async (t) => {
  const open = await standIn(t, (request, response) => {
    request.once("data", () => answer(response, 0, [toBinary(WriteResponseSchema, create(WriteResponseSchema, { committedSize: -1n }))]));
  });
  async function* endless(): AsyncGenerator<Uint8Array> {
    for (;;) yield Buffer.alloc(1024 * 1024);
  }
  t.equal(await writeToUpstream(open, "uploads/u/blobs/x/9", endless(), { signal: signal() }), -1n, "committed_size -1: stored already");
});

t.test("Read: data in order, the upstream's status as is, and broken answers named", async (t) => {
  let mode = "ok";
  const open = await standIn(t, async (request, response) => {
    const [bytes] = await (async () => {
      const all: Buffer[] = [];
      for await (const message of grpcMessages(request as AsyncIterable<Buffer>, 1 << 16)) all.push(message);
      return all;
    })();
    const read = fromBinary(ReadRequestSchema, bytes ?? Buffer.alloc(0));
    if (mode === "ok") {
      const data = Buffer.from(`from ${read.readOffset} limit ${read.readLimit}`);
      answer(response, 0, [toBinary(ReadResponseSchema, create(ReadResponseSchema, { data: data.subarray(0, 4) })), toBinary(ReadResponseSchema, create(ReadResponseSchema, { data: data.subarray(4) }))]);
    } else if (mode === "missing") answer(response, Code.NotFound, [], "no such blob: 100%");
    else if (mode === "garbage") answer(response, 0, [Buffer.from([0xff, 0xff, 0xff])]);
    else response.stream.close(8);
  });
  const read = (offset = 0, limit = 0) => readFromUpstream(open, "blobs/x/10", { offset, limit }, { signal: signal() });
  t.equal((await collect(read(3, 4))).toString(), "from 3 limit 4", "offset and limit go up, chunks come back in order");
  mode = "missing";
  const missing = await failure(collect(read()));
  t.ok(missing instanceof ConnectError && missing.code === Code.NotFound && missing.rawMessage === "no such blob: 100%", `NOT_FOUND with its message (${String(missing)})`);
  mode = "garbage";
  const garbage = await failure(collect(read()));
  t.ok(garbage instanceof ConnectError && garbage.code === Code.Internal, `a message that does not parse is INTERNAL (${String(garbage)})`);
  mode = "reset";
  const reset = await failure(collect(read()));
  t.ok(reset instanceof ConnectError && reset.code === Code.Unavailable, `a stream the upstream resets is UNAVAILABLE (${String(reset)})`);
});

t.test("cancelling a Read stops the upstream call", async (t) => {
  let closed!: () => void;
  const upstreamSawClose = new Promise<void>((resolve) => (closed = resolve));
  const open = await standIn(t, (request, response) => {
    response.writeHead(200, { "content-type": "application/grpc" });
    response.write(grpcFrame(toBinary(ReadResponseSchema, create(ReadResponseSchema, { data: Buffer.from("first") }))));
    response.once("close", closed);
    request.resume();
  });
  const controller = new AbortController();
  const reading = readFromUpstream(open, "blobs/x/10", { offset: 0, limit: 0 }, { signal: controller.signal });
  t.equal(Buffer.from((await reading.next()).value ?? []).toString(), "first");
  controller.abort(new ConnectError("the client went away", Code.Canceled));
  const outcome = await failure(reading.next());
  t.ok(outcome instanceof ConnectError && outcome.code === Code.Canceled, `the read ends CANCELLED (${String(outcome)})`);
  await upstreamSawClose;
  t.pass("and the upstream's stream closes");
});
