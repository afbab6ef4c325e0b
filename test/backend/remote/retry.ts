// Tests for src/backend/remote/retry.ts: what is retried, how often, and that pauses end with the call's signal and leave nothing on it.
import { getEventListeners } from "node:events";
import t from "tap";
import { Code, ConnectError } from "@connectrpc/connect";
import { withRetry } from "../../../src/backend/remote/retry.js";

const failure = (work: Promise<unknown>) => work.then(() => undefined, (error: unknown) => error);

/** Runs withRetry over a call that always fails with `code`; resolves with the failure reported and the tries made. */
async function alwaysFailing(code: Code, signal = new AbortController().signal) {
  let tries = 0;
  const error = await failure(
    withRetry(async () => {
      tries++;
      throw new ConnectError("failed", code);
    }, signal),
  );
  return { error, tries };
}

t.test("UNAVAILABLE is tried four times in all, then reported; the answer of a later try is returned", async (t) => {
  const unavailable = await alwaysFailing(Code.Unavailable);
  t.equal(unavailable.tries, 4, "four tries");
  t.ok(unavailable.error instanceof ConnectError && unavailable.error.code === Code.Unavailable, "then the last UNAVAILABLE");
  let tries = 0;
  const signal = new AbortController().signal;
  const answer = await withRetry(async () => {
    if (++tries < 3) throw new ConnectError("down", Code.Unavailable);
    return "up";
  }, signal);
  t.equal(answer, "up", "a later try's answer");
  t.equal(getEventListeners(signal, "abort").length, 0, "no listener left on the call's signal after its pauses");
});

t.test("other failures are not retried", async (t) => {
  const { error, tries } = await alwaysFailing(Code.NotFound);
  t.equal(tries, 1);
  t.ok(error instanceof ConnectError && error.code === Code.NotFound);
});

t.test("an abort ends the pause at once, and the call is not tried again", async (t) => {
  const controller = new AbortController();
  let tries = 0;
  const started = Date.now();
  const outcome = failure(
    withRetry(async () => {
      tries++;
      if (tries === 1) setTimeout(() => controller.abort(), 10);
      throw new ConnectError("down", Code.Unavailable);
    }, controller.signal),
  );
  const error = await outcome;
  t.ok(error instanceof ConnectError && error.code === Code.Unavailable, `the failure it had (${String(error)})`);
  t.equal(tries, 1, "one try");
  t.ok(Date.now() - started < 1000, "without waiting out the backoff");
});
