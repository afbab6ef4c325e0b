// Tests for src/sandbox/bwrap-status.ts: bwrap's JSON status lines read however the pipe cuts them.
import { PassThrough } from "node:stream";
import t from "tap";
import { followBwrapStatus, type BwrapStatus } from "../../src/sandbox/bwrap-status.js";

t.test("the child pid is known as soon as its line arrives, the exit code at the end", async (t) => {
  const pipe = new PassThrough();
  const status: BwrapStatus = {};
  const done = followBwrapStatus(pipe, status);
  pipe.write('{ "child-pid": 4');
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(status.childPid, undefined, "half a line says nothing");
  pipe.write('21 }\n{ "cgroup-namespace": 1, "ipc-namespace": 2 }\n');
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(status.childPid, 421, "the pid once its line is whole");
  pipe.end('{ "exit-code": 3 }');
  await done;
  t.strictSame(status, { childPid: 421, exitCode: 3 }, "a last line without a newline counts");
});

t.test("lines that are not status records are skipped", async (t) => {
  const pipe = new PassThrough();
  const status: BwrapStatus = {};
  const done = followBwrapStatus(pipe, status);
  pipe.end('not json\n"text"\nnull\n{ "child-pid": "7" }\n\r\n{ "exit-code": 0 }\r\n');
  await done;
  t.strictSame(status, { exitCode: 0 }, "only numbers are taken, CRLF endings included");
});

t.test("a stream that fails rejects", async (t) => {
  const pipe = new PassThrough();
  const done = followBwrapStatus(pipe, {});
  pipe.destroy(new Error("EIO"));
  await t.rejects(done, /EIO/);
});
