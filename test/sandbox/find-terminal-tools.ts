// Tests for src/sandbox/find-terminal-tools.ts: script(1) and setpriv(1) on the tool's PATH, 125 in one line without a terminal or without either.
import { chmodSync } from "node:fs";
import { join } from "node:path";
import t, { type Test } from "tap";
import { findTerminalTools, SCRIPT_MISSING, SETPRIV_MISSING } from "../../src/sandbox/find-terminal-tools.js";
import { isToolError } from "../../src/run/tool-error.js";

const dir = t.testdir({ both: { script: "\x7fELF\n", setpriv: "\x7fELF\n" }, script: { script: "\x7fELF\n" }, setpriv: { setpriv: "\x7fELF\n" }, empty: {} });
for (const file of ["both/script", "both/setpriv", "script/script", "setpriv/setpriv"]) chmodSync(join(dir, file), 0o755);

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
  t.strictSame(findTerminalTools(`${join(dir, "empty")}:${join(dir, "both")}`, dir, true), { script: join(dir, "both", "script"), setpriv: join(dir, "both", "setpriv") });
  t.strictSame(findTerminalTools(`${join(dir, "script")}:${join(dir, "setpriv")}`, dir, true), { script: join(dir, "script", "script"), setpriv: join(dir, "setpriv", "setpriv") }, "each where it is");
});

t.test("this process's PATH by default: both are here", async (t) => {
  t.match(findTerminalTools(undefined, undefined, true), { script: /\/script$/, setpriv: /\/setpriv$/ });
});

t.test("refused in one line: no terminal, or either program missing", async (t) => {
  t.equal(refusal(t, () => findTerminalTools(join(dir, "both"), dir, false)), "--interactive needs a terminal on standard input");
  t.equal(refusal(t, () => findTerminalTools(join(dir, "setpriv"), dir, true)), SCRIPT_MISSING);
  t.equal(refusal(t, () => findTerminalTools(join(dir, "script"), dir, true)), SETPRIV_MISSING);
  t.match(SCRIPT_MISSING, /apt-get install bsdutils/, "naming the package");
  t.match(SETPRIV_MISSING, /apt-get install util-linux/, "naming the package");
});
