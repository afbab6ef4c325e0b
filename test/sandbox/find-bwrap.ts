// Tests for src/sandbox/find-bwrap.ts: bwrap on the tool's PATH, 125 with the fix when there is none.
import { chmodSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { findBwrap } from "../../src/sandbox/find-bwrap.js";
import { ToolError } from "../../src/run/tool-error.js";

const dir = t.testdir({ good: { bwrap: "\x7fELF\n" }, bad: { bwrap: "\x7fELF\n" }, empty: {} });
chmodSync(join(dir, "good", "bwrap"), 0o755);
chmodSync(join(dir, "bad", "bwrap"), 0o644);

t.test("found on the given PATH", async (t) => {
  t.equal(findBwrap(`${join(dir, "empty")}:${join(dir, "good")}`, dir), join(dir, "good", "bwrap"));
});

t.test("this process's PATH by default", async (t) => {
  t.match(findBwrap(), /\/bwrap$/);
});

t.test("refused with 125 and one line", async (t) => {
  const cases: Array<[string, string, RegExp]> = [
    ["none on PATH", join(dir, "empty"), /^bwrap not found: install bubblewrap \(Debian\/Ubuntu: apt-get install bubblewrap\)$/],
    ["empty PATH", "", /^bwrap not found: install bubblewrap/],
    ["not executable", join(dir, "bad"), /^cannot run bwrap: permission denied$/],
  ];
  for (const [name, path, message] of cases) {
    t.throws(() => findBwrap(path, join(dir, "empty")), ToolError, name);
    try {
      findBwrap(path, join(dir, "empty"));
    } catch (error) {
      t.equal((error as ToolError).exitStatus, 125, name);
      t.match((error as Error).message, message, name);
    }
  }
});
