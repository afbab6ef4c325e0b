// Tests for src/sandbox/find-script.ts: script(1) on the tool's PATH, 125 in one line without a terminal or without script.
import { chmodSync } from "node:fs";
import { join } from "node:path";
import t, { type Test } from "tap";
import { findScript, SCRIPT_MISSING } from "../../src/sandbox/find-script.js";
import { isToolError } from "../../src/run/tool-error.js";

const dir = t.testdir({ good: { script: "\x7fELF\n" }, empty: {} });
chmodSync(join(dir, "good", "script"), 0o755);

/** The message of what `find` throws; fails the test when it throws nothing, or not a ToolError with 125. */
function refusal(t: Test, find: () => unknown): string {
  try {
    find();
  } catch (error) {
    t.ok(isToolError(error) && error.exitStatus === 125, "a ToolError with status 125");
    return (error as Error).message;
  }
  t.fail("nothing thrown");
  return "";
}

t.test("found on the given PATH, with a terminal on standard input", async (t) => {
  t.equal(findScript(`${join(dir, "empty")}:${join(dir, "good")}`, dir, true), join(dir, "good", "script"));
});

t.test("refused in one line: no terminal, or no script", async (t) => {
  t.equal(refusal(t, () => findScript(join(dir, "good"), dir, false)), "--interactive needs a terminal on standard input");
  t.equal(refusal(t, () => findScript(join(dir, "empty"), dir, true)), SCRIPT_MISSING);
  t.match(SCRIPT_MISSING, /apt-get install bsdutils/, "naming the package");
});
