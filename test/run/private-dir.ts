// Tests for src/run/private-dir.ts: the directory is fresh and 0700, in the first base whose socket path fits; removal takes its files and is quiet when it is gone.
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import t, { type Test } from "tap";
import { createPrivateDir, MAX_SOCKET_PATH_BYTES, removePrivateDir } from "../../src/run/private-dir.js";
import { ToolError } from "../../src/run/tool-error.js";

function scratch(t: Test): string {
  const dir = mkdtempSync("/tmp/bcr-pd-");
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test("creates a fresh directory only its owner can enter, under $XDG_RUNTIME_DIR first", async (t) => {
  const base = scratch(t);
  const first = createPrivateDir("reapi.sock", { XDG_RUNTIME_DIR: base });
  const second = createPrivateDir("reapi.sock", { XDG_RUNTIME_DIR: base });
  t.not(first, second);
  for (const dir of [first, second]) {
    t.equal(join(dir, ".."), base);
    t.equal(statSync(dir).mode & 0o777, 0o700);
  }
});

t.test("passes over a base whose socket path would not fit in a socket address", async (t) => {
  const base = scratch(t);
  const long = join(base, "x".repeat(MAX_SOCKET_PATH_BYTES));
  const dir = createPrivateDir("reapi.sock", { XDG_RUNTIME_DIR: long });
  t.ok(!dir.startsWith(long));
  t.ok(Buffer.byteLength(join(dir, "reapi.sock")) <= MAX_SOCKET_PATH_BYTES);
  removePrivateDir(dir);
});

t.test("fails with a ToolError when the socket name fits nowhere", async (t) => {
  t.throws(() => createPrivateDir("s".repeat(MAX_SOCKET_PATH_BYTES), {}), ToolError);
});

t.test("removal takes the files inside and the directory, and is quiet the second time", async (t) => {
  const dir = createPrivateDir("reapi.sock", { XDG_RUNTIME_DIR: scratch(t) });
  writeFileSync(join(dir, "reapi.sock"), "");
  writeFileSync(join(dir, "other"), "bytes");
  removePrivateDir(dir);
  t.notOk(existsSync(dir));
  t.doesNotThrow(() => removePrivateDir(dir));
});
