// Waiting for a stream's next event, given up when a call is cancelled.
import type { EventEmitter } from "node:events";

/** Resolves at the first of `events` on `emitter`; rejects with `signal.reason` if `signal` aborts first. */
export function firstEvent(emitter: EventEmitter, events: readonly string[], signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = () => {
      for (const event of events) emitter.off(event, done);
      signal.removeEventListener("abort", onAbort);
    };
    const done = () => {
      stop();
      resolve();
    };
    const onAbort = () => {
      stop();
      reject(signal.reason as Error);
    };
    if (signal.aborted) return onAbort();
    for (const event of events) emitter.once(event, done);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
