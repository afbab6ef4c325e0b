// Tests for src/cli/parse-seconds.ts: positive decimal seconds, anything else a one-line error naming the option.
import t, { type Test } from "tap";
import { ClientStatus } from "../../src/client/exit-status.js";
import { parseSeconds } from "../../src/cli/parse-seconds.js";
import { ExitStatus, isToolError, type ToolError } from "../../src/run/tool-error.js";

/** What `parse` throws; fails the test when it is not a ToolError. */
function refusal(t: Test, parse: () => unknown): ToolError {
  try {
    parse();
  } catch (error) {
    if (isToolError(error)) return error;
    t.fail(`not a ToolError: ${String(error)}`);
  }
  t.fail("nothing thrown");
  return new Error("none") as ToolError;
}

t.test("positive seconds, whole or decimal", async (t) => {
  t.equal(parseSeconds("--connect-timeout", "10"), 10);
  t.equal(parseSeconds("--connect-timeout", "0.5"), 0.5);
  t.equal(parseSeconds("--connect-timeout", "007"), 7);
});

t.test("anything else is refused, naming the option and the value, with the status asked for", async (t) => {
  for (const text of ["0", "0.0", "-1", "", " 1", "1s", "1e3", ".5", "5.", "Infinity", "NaN", "0x10"]) {
    const error = refusal(t, () => parseSeconds("--connect-timeout", text));
    t.equal(error.message, `--connect-timeout takes a positive number of seconds, got ${JSON.stringify(text)}`);
    t.equal(error.exitStatus, ExitStatus.toolFailure, "the tool's failure status by default");
  }
  const usage = refusal(t, () => parseSeconds("BST_CAS_RUN_CONNECT_TIMEOUT", "soon", ClientStatus.usage));
  t.equal(usage.exitStatus, ClientStatus.usage);
  t.match(usage.message, /^BST_CAS_RUN_CONNECT_TIMEOUT takes/);
});
