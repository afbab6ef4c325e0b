// A readable stream's chunks as they arrived, in batches, with backpressure: never merged into new buffers.
import type { Readable } from "node:stream";

/**
 * Yields the chunks `stream` has received since the last batch, each as it arrived (unlike
 * `for await`, whose reads concatenate whatever is buffered into one new buffer). The stream is
 * paused while `highWaterMark` bytes wait, and resumed when they are taken. When `signal`
 * aborts, the batches end with its reason, also while waiting for a chunk that may never come.
 */
export async function* chunkBatches(stream: Readable, highWaterMark: number, signal?: AbortSignal): AsyncGenerator<Buffer[], void, undefined> {
  let batch: Buffer[] = [];
  let waiting = 0;
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const onData = (chunk: Buffer) => {
    batch.push(chunk);
    waiting += chunk.byteLength;
    if (waiting >= highWaterMark) stream.pause();
    notify();
  };
  const onEnd = () => {
    ended = true;
    notify();
  };
  const onError = (error: unknown) => {
    failure = error;
    notify();
  };
  stream.on("data", onData);
  stream.once("end", onEnd);
  stream.once("error", onError);
  stream.once("close", onEnd);
  signal?.addEventListener("abort", notify);
  try {
    for (;;) {
      signal?.throwIfAborted();
      if (batch.length > 0) {
        const taken = batch;
        batch = [];
        waiting = 0;
        stream.resume();
        yield taken;
        continue;
      }
      if (failure !== undefined) throw failure;
      if (ended) {
        if (stream.errored !== null && stream.errored !== undefined) throw stream.errored;
        return;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    signal?.removeEventListener("abort", notify);
    stream.off("data", onData);
    stream.off("end", onEnd);
    stream.off("error", onError);
    stream.off("close", onEnd);
  }
}

/**
 * The batches of {@link chunkBatches}, and at the end, for a stream that closed before its end,
 * "Premature close", as `for await` over the stream would throw.
 */
export async function* streamBatches(stream: Readable, highWaterMark: number, signal?: AbortSignal): AsyncGenerator<Buffer[], void, undefined> {
  yield* chunkBatches(stream, highWaterMark, signal);
  if (!stream.readableEnded) throw Object.assign(new Error("Premature close"), { code: "ERR_STREAM_PREMATURE_CLOSE" });
}
