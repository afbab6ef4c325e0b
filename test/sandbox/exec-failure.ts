// Tests for src/sandbox/exec-failure.ts: a command that could not be started, as one line and the shell's status.
import t from "tap";
import { execFailure } from "../../src/sandbox/exec-failure.js";

/** An error shaped as Node's spawn gives it. */
function spawnError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`spawn ./cmd ${code}`), { code });
}

t.test("errno to status and message", async (t) => {
  const cases: Array<[string, number, string]> = [
    ["ENOENT", 127, "./cmd: no such file or directory"],
    ["EACCES", 126, "./cmd: permission denied"],
    ["ENOEXEC", 126, "./cmd: exec format error"],
    ["ETXTBSY", 126, "./cmd: text file busy"],
    ["E2BIG", 126, "./cmd: argument list too long"],
    ["EAGAIN", 125, "could not start ./cmd: EAGAIN"],
  ];
  for (const [code, status, message] of cases) {
    const failure = execFailure("./cmd", spawnError(code));
    t.equal(failure.exitStatus, status, code);
    t.equal(failure.message, message, code);
  }
  t.equal(execFailure("x", new Error("odd")).message, "could not start x: odd", "no errno code");
});
