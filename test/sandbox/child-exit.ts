// Tests for src/sandbox/child-exit.ts: the status of a process's end, as a shell reports it.
import t from "tap";
import { exitStatusOf, signalStatus } from "../../src/sandbox/child-exit.js";

t.test("exit statuses as shells report a signal's end", async (t) => {
  t.equal(signalStatus("SIGHUP"), 129);
  t.equal(signalStatus("SIGINT"), 130);
  t.equal(signalStatus("SIGTERM"), 143);
});

t.test("an exit code as it is, a signal as 128+N", async (t) => {
  t.equal(exitStatusOf({ code: 3, signal: null }), 3);
  t.equal(exitStatusOf({ code: null, signal: "SIGKILL" }), 137);
});
