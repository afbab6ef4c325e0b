// Tests for src/util/error-reason.ts: the one-line reason of a file-system error.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import t from "tap";
import { errorReason } from "../../src/util/error-reason.js";

t.test("drops the call and path Node appends", async (t) => {
  t.equal(errorReason(new Error("ENOENT: no such file or directory, open '/a/b c.json'")), "ENOENT: no such file or directory");
  t.equal(errorReason(new Error("EACCES: permission denied, access '/x'")), "EACCES: permission denied");
  t.equal(errorReason(new Error("ENOSPC: no space left on device, write")), "ENOSPC: no space left on device", "a call without a path");
  const real = await writeFile(join(t.testdir({}), "gone", "x"), "").catch((error: unknown) => error);
  t.equal(errorReason(real), "ENOENT: no such file or directory", "a real error from node:fs");
});

t.test("anything else: its first line", async (t) => {
  t.equal(errorReason(new Error("plain")), "plain");
  t.equal(errorReason(new Error("first\nsecond, open 'x'")), "first");
  t.equal(errorReason("text"), "text");
});
