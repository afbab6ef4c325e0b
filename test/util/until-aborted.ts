// untilAborted: the promise's outcome when it settles first, the signal's reason when the signal aborts first.
import t from "tap";
import { untilAborted } from "../../src/util/until-aborted.js";

t.test("passes the value and the error through when the signal stays quiet", async (t) => {
  const controller = new AbortController();
  t.equal(await untilAborted(Promise.resolve(7), controller.signal), 7);
  await t.rejects(untilAborted(Promise.reject(new Error("own")), controller.signal), { message: "own" });
});

t.test("rejects with the signal's reason once it aborts, leaving the promise pending", async (t) => {
  const controller = new AbortController();
  const never = new Promise<number>(() => undefined);
  const waiting = untilAborted(never, controller.signal);
  controller.abort(new Error("gone"));
  await t.rejects(waiting, { message: "gone" });
});

t.test("an already aborted signal rejects at once, and a late rejection is not unhandled", async (t) => {
  const controller = new AbortController();
  controller.abort(new Error("before"));
  let fail!: (error: Error) => void;
  const late = new Promise<number>((_, reject) => (fail = reject));
  await t.rejects(untilAborted(late, controller.signal), { message: "before" });
  fail(new Error("late"));
  await new Promise((resolve) => setImmediate(resolve));
  t.pass("no unhandled rejection ends the process");
});
