// Tests for src/cli/stop-signals.ts: the first stop signal starts the stop, another forces the exit, and no listener is left behind.
import { EventEmitter } from "node:events";
import t from "tap";
import { STOP_SIGNALS, stopOnSignal } from "../../src/cli/stop-signals.js";

/** A signal source that counts its listeners. */
function fakeProcess(): EventEmitter & { listening(): number } {
  const source = new EventEmitter();
  return Object.assign(source, { listening: () => STOP_SIGNALS.reduce((sum, signal) => sum + source.listenerCount(signal), 0) });
}

t.test("SIGINT, SIGTERM and SIGHUP each stop; the listeners go once the stop is done", async (t) => {
  t.strictSame(STOP_SIGNALS, ["SIGINT", "SIGTERM", "SIGHUP"]);
  for (const signal of STOP_SIGNALS) {
    const source = fakeProcess();
    const stopped = stopOnSignal(async () => {}, { stopping() {}, force() {} }, source);
    t.equal(source.listening(), 3, "one listener per stop signal while waiting");
    source.emit(signal, signal);
    t.equal(await stopped, signal);
    t.equal(source.listening(), 0, `${signal}: no listener left`);
  }
});

t.test("a second signal during the stop forces; after the stop, every listener is gone", async (t) => {
  const source = fakeProcess();
  const events: string[] = [];
  let finishStop!: () => void;
  const stopped = stopOnSignal(
    () => {
      events.push("stop");
      return new Promise<void>((resolve) => (finishStop = resolve));
    },
    { stopping: (signal) => events.push(`stopping ${signal}`), force: (signal) => events.push(`force ${signal}`) },
    source,
  );
  t.strictSame(events, [], "nothing before a signal");
  source.emit("SIGHUP", "SIGHUP");
  await new Promise((resolve) => setImmediate(resolve));
  t.strictSame(events, ["stopping SIGHUP", "stop"]);
  t.equal(source.listening(), 3, "listening for a second signal during the stop");
  source.emit("SIGTERM", "SIGTERM");
  t.strictSame(events, ["stopping SIGHUP", "stop", "force SIGTERM"]);
  t.equal(source.listening(), 0, "force is called with the listeners removed, so the signal's default is back");
  finishStop();
  t.equal(await stopped, "SIGHUP");
  t.equal(source.listening(), 0, "no listener left");
});

t.test("a stop that fails still removes the listeners", async (t) => {
  const source = fakeProcess();
  const stopped = stopOnSignal(async () => Promise.reject(new Error("close failed")), { stopping() {}, force() {} }, source);
  source.emit("SIGINT", "SIGINT");
  await t.rejects(stopped, { message: "close failed" });
  t.equal(source.listening(), 0);
});
