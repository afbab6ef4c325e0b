// Tests for src/util/chunk-batches.ts: every chunk, as it arrived, in order, with the stream paused while a batch waits.
import { PassThrough } from "node:stream";
import t from "tap";
import { chunkBatches, streamBatches } from "../../src/util/chunk-batches.js";

t.test("chunks come through as the same buffers, in order, and the stream is paused at the high-water mark", async (t) => {
  const stream = new PassThrough();
  const sent = Array.from({ length: 10 }, (_, index) => Buffer.alloc(100, index));
  let pauses = 0;
  const pause = stream.pause.bind(stream);
  stream.pause = () => {
    pauses++;
    return pause();
  };
  const batches = chunkBatches(stream, 250);
  const first = batches.next();
  for (const chunk of sent) stream.write(chunk);
  stream.end();
  const received: Buffer[] = [];
  for (let step = await first; step.done !== true; step = await batches.next()) received.push(...step.value);
  t.equal(received.length, sent.length, "every chunk");
  t.ok(received.every((chunk, index) => chunk.equals(sent[index] as Buffer)), "in order, unmerged");
  t.ok(pauses > 0, `the stream was paused while 250 bytes waited (${pauses} times)`);
});

t.test("an error of the stream ends the batches with it", async (t) => {
  const stream = new PassThrough();
  const batches = chunkBatches(stream, 1024);
  stream.write(Buffer.from("x"));
  t.equal((await batches.next()).value?.[0]?.toString(), "x");
  stream.destroy(new Error("broken"));
  await t.rejects(batches.next(), { message: "broken" });
});

t.test("streamBatches: the chunks unmerged; a close before the end is an error", async (t) => {
  const stream = new PassThrough();
  const sent = [Buffer.from("a"), Buffer.from("bc"), Buffer.from("def")];
  for (const chunk of sent) stream.write(chunk);
  stream.end();
  const received: Buffer[] = [];
  for await (const batch of streamBatches(stream, 1024)) received.push(...batch);
  t.strictSame(received.map(String), ["a", "bc", "def"], "each chunk as written");

  const cut = new PassThrough();
  cut.write(Buffer.from("x"));
  const chunks = streamBatches(cut, 1024);
  t.equal(String((await chunks.next()).value), "x");
  cut.destroy();
  await t.rejects(chunks.next(), { code: "ERR_STREAM_PREMATURE_CLOSE" }, "closed without an end");
});

t.test("an aborted signal ends the batches with its reason, also while no chunk comes", async (t) => {
  const stream = new PassThrough();
  const controller = new AbortController();
  const batches = chunkBatches(stream, 1024, controller.signal);
  stream.write(Buffer.from("x"));
  t.equal((await batches.next()).value?.[0]?.toString(), "x");
  const waiting = batches.next();
  const reason = new Error("deadline");
  controller.abort(reason);
  await t.rejects(waiting, reason, "the wait for a chunk that never comes ends");
  t.equal(stream.listenerCount("data"), 0, "and the stream is let go");
});
