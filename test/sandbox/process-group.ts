// Tests for src/sandbox/process-group.ts with real process groups: what a command leaves behind is ended.
import { spawn } from "node:child_process";
import { once } from "node:events";
import t from "tap";
import { endProcessGroup, groupIsRunning, parentOf, signalGroup } from "../../src/sandbox/process-group.js";

/** Starts `script` with sh as the leader of a new process group, waits for it to exit, and returns the group id. */
async function leaderThatExits(script: string): Promise<number> {
  const child = spawn("/bin/sh", ["-c", script], { detached: true, stdio: "ignore" });
  await once(child, "exit");
  return child.pid as number;
}

t.test("a background child left behind gets SIGTERM and is gone", async (t) => {
  const pgid = await leaderThatExits("sleep 1000 & exit 0");
  t.teardown(() => signalGroup(pgid, "SIGKILL"));
  t.ok(groupIsRunning(pgid), "the sleep outlived its shell");
  const started = Date.now();
  await endProcessGroup(pgid, 5000);
  t.notOk(groupIsRunning(pgid), "nothing of the group runs");
  t.ok(Date.now() - started < 2000, "without waiting for the grace period");
});

t.test("a child that ignores SIGTERM gets SIGKILL after the grace period", async (t) => {
  const pgid = await leaderThatExits("trap '' TERM; sleep 1000 & exit 0");
  t.teardown(() => signalGroup(pgid, "SIGKILL"));
  const started = Date.now();
  await endProcessGroup(pgid, 300);
  t.ok(Date.now() - started >= 300, "it had the grace period");
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.notOk(groupIsRunning(pgid), "nothing of the group runs");
});

t.test("a group with nothing left is not signalled", async (t) => {
  const pgid = await leaderThatExits("exit 0");
  t.notOk(groupIsRunning(pgid));
  t.notOk(signalGroup(pgid, "SIGTERM"), "no such group");
  await endProcessGroup(pgid);
});

t.test("parentOf reads the parent from /proc; undefined for a process that is gone", async (t) => {
  t.equal(parentOf(process.pid), process.ppid);
  t.equal(parentOf(2 ** 22 + 1), undefined, "above the largest pid");
});
