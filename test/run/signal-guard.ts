// Tests for src/run/signal-guard.ts with real signals sent to this process: held while nobody listens, passed on once otherwise.
import { setTimeout as sleep } from "node:timers/promises";
import t from "tap";
import { guardSignals } from "../../src/run/signal-guard.js";

/** Sends `signal` to this process and gives the event loop time to deliver it. */
async function raise(signal: NodeJS.Signals): Promise<void> {
  process.kill(process.pid, signal);
  await sleep(50);
}

t.test("a signal with nobody subscribed is held, the first one only; a subscriber gets each one once", async (t) => {
  const before = process.listenerCount("SIGTERM");
  const guard = guardSignals();
  t.teardown(() => guard.release());
  t.equal(guard.held, undefined);
  t.notOk(guard.interrupted.aborted, "nothing interrupted yet");
  await raise("SIGTERM");
  t.equal(guard.held, "SIGTERM", "held, and this process is still here");
  t.ok(guard.interrupted.aborted, "a held signal interrupts what the run waits for");
  t.match(String(guard.interrupted.reason), /SIGTERM/, "naming the signal");
  await raise("SIGHUP");
  t.equal(guard.held, "SIGTERM", "the first signal is the one held");

  const forwarded: NodeJS.Signals[] = [];
  const unsubscribe = guard.source((signal) => forwarded.push(signal));
  await raise("SIGHUP");
  t.same(forwarded, ["SIGHUP"], "passed on once");
  unsubscribe();
  await raise("SIGHUP");
  t.same(forwarded, ["SIGHUP"], "not passed on after unsubscribing");

  guard.release();
  t.equal(process.listenerCount("SIGTERM"), before, "released: the listeners are gone");
});

t.test("a signal passed on to a subscriber interrupts nothing", async (t) => {
  const guard = guardSignals();
  t.teardown(() => guard.release());
  const unsubscribe = guard.source(() => undefined);
  await raise("SIGHUP");
  unsubscribe();
  t.equal(guard.held, undefined, "not held");
  t.notOk(guard.interrupted.aborted, "not interrupted");
});
