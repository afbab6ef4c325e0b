// Tests for src/sandbox/bwrap-status.ts: bwrap's JSON status lines read from its status file, whole or cut short.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { parseBwrapStatus, readBwrapStatus } from "../../src/sandbox/bwrap-status.js";

t.test("the child pid is known once its line is whole, the exit code once written", async (t) => {
  t.strictSame(parseBwrapStatus('{ "child-pid": 4'), {}, "half a line says nothing");
  t.strictSame(parseBwrapStatus('{ "child-pid": 421 }\n{ "cgroup-namespace": 1, "ipc-namespace": 2 }\n'), { childPid: 421 });
  t.strictSame(
    parseBwrapStatus('{ "child-pid": 421 }\n{ "cgroup-namespace": 1 }\n{ "exit-code": 3 }'),
    { childPid: 421, exitCode: 3 },
    "a last line without a newline counts",
  );
});

t.test("lines that are not status records are skipped", async (t) => {
  const status = parseBwrapStatus('not json\n"text"\nnull\n{ "child-pid": "7" }\n\r\n{ "exit-code": 0 }\r\n');
  t.strictSame(status, { exitCode: 0 }, "only numbers are taken, CRLF endings included");
});

t.test("the file is read as it stands; a missing file says nothing", async (t) => {
  const dir = mkdtempSync("/tmp/bcr-bs-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "status");
  t.strictSame(readBwrapStatus(path), {});
  writeFileSync(path, '{ "child-pid": 9 }\n');
  t.strictSame(readBwrapStatus(path), { childPid: 9 });
  writeFileSync(path, '{ "child-pid": 9 }\n{ "exit-code": 1 }\n');
  t.strictSame(readBwrapStatus(path), { childPid: 9, exitCode: 1 });
  t.throws(() => readBwrapStatus(dir), { code: "EISDIR" }, "other failures are not hidden");
});
