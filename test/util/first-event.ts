// Tests for src/util/first-event.ts: the first listed event resolves, an abort rejects, and no listener is left behind.
import { EventEmitter } from "node:events";
import t from "tap";
import { firstEvent } from "../../src/util/first-event.js";

t.test("resolves at the first of the events, and removes its listeners", async (t) => {
  const emitter = new EventEmitter();
  const waiting = firstEvent(emitter, ["drain", "close"], new AbortController().signal);
  emitter.emit("close");
  await waiting;
  t.equal(emitter.listenerCount("drain") + emitter.listenerCount("close"), 0);
});

t.test("rejects with the signal's reason, at once when it has aborted already", async (t) => {
  const emitter = new EventEmitter();
  const controller = new AbortController();
  const waiting = firstEvent(emitter, ["drain"], controller.signal);
  controller.abort(new Error("gone"));
  await t.rejects(waiting, { message: "gone" });
  await t.rejects(firstEvent(emitter, ["drain"], controller.signal), { message: "gone" });
  t.equal(emitter.listenerCount("drain"), 0);
});
