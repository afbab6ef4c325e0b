// Tests for src/server/grpc-frames.ts: messages cut out of bodies split anywhere, and the errors for bad framing.
import t from "tap";
import { Code, ConnectError } from "@connectrpc/connect";
import { grpcFrame, grpcMessageParts, grpcMessages } from "../../src/server/grpc-frames.js";

async function* pieces(body: Buffer, sizes: number[]): AsyncGenerator<Buffer> {
  let at = 0;
  for (let index = 0; at < body.byteLength; index++) {
    const size = sizes[index % sizes.length] as number;
    yield body.subarray(at, at + size);
    at += size;
  }
}
async function collect(body: AsyncIterable<Buffer>, max = 1 << 20): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const message of grpcMessages(body, max)) out.push(Buffer.from(message));
  return out;
}
const codeOf = (work: Promise<unknown>) => work.then(() => "resolved", (error: unknown) => (error instanceof ConnectError ? Code[error.code] : String(error)));

const messages = [Buffer.from("first"), Buffer.alloc(0), Buffer.alloc(70_000, 7), Buffer.from("last")];
const body = Buffer.concat(messages.map(grpcFrame));

t.test("the same messages however the body is split", async (t) => {
  for (const sizes of [[body.byteLength], [1], [2, 3], [5], [16_384], [4, 16_384, 1]]) {
    t.strictSame(await collect(pieces(body, sizes)), messages, `pieces of ${sizes.join(", ")}`);
  }
});

t.test("the same messages when the chunks come in batches", async (t) => {
  async function* batches(sizes: number[], perBatch: number): AsyncGenerator<Buffer[]> {
    let batch: Buffer[] = [];
    for await (const chunk of pieces(body, sizes)) {
      batch.push(chunk);
      if (batch.length === perBatch) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }
  for (const [sizes, perBatch] of [[[1], 7], [[5], 3], [[16_384], 2], [[4, 16_384, 1], 5], [[body.byteLength], 1]] as const) {
    const out: Buffer[] = [];
    for await (const message of grpcMessages(batches([...sizes], perBatch), 1 << 20)) out.push(Buffer.from(message));
    t.strictSame(out, messages, `pieces of ${sizes.join(", ")}, ${perBatch} to a batch`);
  }
});

t.test("a message inside one chunk is a view of it, not a copy", async (t) => {
  const chunk = grpcFrame(Buffer.from("in place"));
  for await (const message of grpcMessages(pieces(chunk, [chunk.byteLength]), 100)) t.equal(message.buffer, chunk.buffer);
});

t.test("grpcMessageParts: each message as views of the chunks it lies in, nothing copied", async (t) => {
  for (const sizes of [[body.byteLength], [1], [5], [16_384], [4, 16_384, 1]]) {
    const chunks: Buffer[] = [];
    async function* kept(): AsyncGenerator<Buffer> {
      for await (const chunk of pieces(body, sizes)) {
        chunks.push(chunk);
        yield chunk;
      }
    }
    const got: Buffer[][] = [];
    for await (const parts of grpcMessageParts(kept(), 1 << 20)) got.push(parts);
    t.strictSame(got.map((parts) => Buffer.concat(parts)), messages, `the messages, from pieces of ${sizes.join(", ")}`);
    const buffers = new Set(chunks.map((chunk) => chunk.buffer));
    t.ok(got.flat().every((part) => buffers.has(part.buffer)), "every part is a view of a received chunk");
    t.equal(got[1]?.length, 0, "the empty message is no parts");
  }
});

t.test("bad framing", async (t) => {
  const compressed = Buffer.from(grpcFrame(Buffer.from("x")));
  compressed[0] = 1;
  t.equal(await codeOf(collect(pieces(compressed, [3]))), "Internal", "a compressed message");
  t.equal(await codeOf(collect(pieces(grpcFrame(Buffer.alloc(101)), [7]), 100)), "ResourceExhausted", "a message over the limit, refused from its prefix");
  t.equal(await codeOf(collect(pieces(body.subarray(0, body.byteLength - 1), [999]))), "InvalidArgument", "a body ending inside a message");
  t.equal(await codeOf(collect(pieces(Buffer.from([0, 0]), [2]))), "InvalidArgument", "a body ending inside a prefix");
});

t.test("ReadResponseFrameCounter follows frames cut anywhere and counts only data bytes", async (t) => {
  const { ReadResponseFrameCounter, framedDataHeader } = await import("../../src/server/grpc-frames.js");
  const sizes = [0, 1, 127, 128, 16_384, 300_000];
  const stream = Buffer.concat(sizes.flatMap((size) => [framedDataHeader(new Uint8Array(0), size), Buffer.alloc(size, 9)]));
  for (const cut of [1, 3, 5, 7, 16_384, stream.byteLength]) {
    const counter = new ReadResponseFrameCounter(1 << 20);
    for (let at = 0; at < stream.byteLength; at += cut) counter.see(stream.subarray(at, at + cut));
    t.equal(counter.dataBytes, sizes.reduce((a, b) => a + b, 0), `cut every ${cut} bytes`);
    t.ok(counter.complete, "ends on a boundary");
  }
  const partial = new ReadResponseFrameCounter(1 << 20);
  partial.see(stream.subarray(0, stream.byteLength - 1));
  t.notOk(partial.complete, "a stream cut inside a message is not complete");
  const other = new ReadResponseFrameCounter(1 << 20);
  t.throws(() => other.see(grpcFrame(Buffer.from([0x0a, 0x01, 0x41]))), /fields other than data/, "a message with another field is refused");
  const big = new ReadResponseFrameCounter(100);
  t.throws(() => big.see(framedDataHeader(new Uint8Array(0), 1000)), /1004 bytes|message of/, "an oversized message is refused");
});
