// Tests for src/sandbox/find-host-program.ts: a program on the tool's PATH, 125 with the given fix when missing, "cannot run" when not runnable.
import { chmodSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { findHostProgram } from "../../src/sandbox/find-host-program.js";
import { isToolError } from "../../src/run/tool-error.js";

const dir = t.testdir({ good: { tool: "\x7fELF\n" }, bad: { tool: "\x7fELF\n" }, empty: {} });
chmodSync(join(dir, "good", "tool"), 0o755);
chmodSync(join(dir, "bad", "tool"), 0o644);

/** What `find` throws, as status and message. */
function thrown(find: () => unknown): { status: number; message: string } | undefined {
  try {
    find();
  } catch (error) {
    if (isToolError(error)) return { status: error.exitStatus, message: error.message };
  }
  return undefined;
}

t.test("found on the given PATH", async (t) => {
  t.equal(findHostProgram("tool", "no tool", `${join(dir, "empty")}:${join(dir, "good")}`, dir), join(dir, "good", "tool"));
});

t.test("missing: 125 with the message given; not runnable: 125, cannot run", async (t) => {
  t.strictSame(thrown(() => findHostProgram("tool", "tool not found: install it", join(dir, "empty"), dir)), { status: 125, message: "tool not found: install it" });
  t.strictSame(thrown(() => findHostProgram("tool", "tool not found: install it", join(dir, "bad"), dir)), { status: 125, message: "cannot run tool: permission denied" });
});
