// Tests for src/cli/check-writable.ts: which paths --stats-json may name, and the one-line refusal for the others.
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import * as fs from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import t from "tap";
import { checkWritableFile } from "../../src/cli/check-writable.js";
import { ToolError } from "../../src/run/tool-error.js";

function messageOf(check: () => void): string | undefined {
  try {
    check();
  } catch (error) {
    if (error instanceof ToolError && error.exitStatus === 125) return error.message;
    throw error;
  }
  return undefined;
}

t.test("accepted: a new file in a writable directory, an existing file (or a symlink to one), a FIFO, a device", async (t) => {
  const dir = t.testdir({ "old.json": "{}", sub: {}, link: t.fixture("symlink", "old.json") });
  execFileSync("mkfifo", [join(dir, "fifo")]);
  for (const path of [join(dir, "new.json"), join(dir, "old.json"), join(dir, "sub", "new.json"), join(dir, "link"), join(dir, "fifo"), "/dev/null"]) {
    t.equal(messageOf(() => checkWritableFile("--stats-json", path)), undefined, path);
  }
});

t.test("refused in one line naming the flag, the path and the reason", async (t) => {
  const dir = t.testdir({ "a-file": "x", sub: {}, dangling: t.fixture("symlink", "gone/x") });
  // A socket's path must be short: in a directory of its own under /tmp.
  const socketDir = fs.mkdtempSync("/tmp/bcr-test-");
  const socketPath = join(socketDir, "s.sock");
  const listener = createServer().listen(socketPath);
  await once(listener, "listening");
  t.teardown(() => {
    listener.close();
    fs.rmSync(socketDir, { recursive: true, force: true });
  });
  const cases: Array<[string, string]> = [
    [join(dir, "gone", "s.json"), `the directory ${join(dir, "gone")} does not exist`],
    [join(dir, "gone", "deeper", "s.json"), `the directory ${join(dir, "gone", "deeper")} does not exist`],
    [join(dir, "a-file", "s.json"), `${join(dir, "a-file")} is not a directory`],
    [join(dir, "sub"), "it is a directory"],
    [socketPath, "it is a socket"],
  ];
  for (const [path, why] of cases) {
    const message = messageOf(() => checkWritableFile("--stats-json", path));
    t.equal(message, `--stats-json: cannot write ${path}: ${why}`, path);
    t.notMatch(message ?? "", /\n/, "one line");
  }
});

t.test("a dangling symlink is checked where it points, which writing it would create", async (t) => {
  const dir = t.testdir({ sub: {}, dangling: t.fixture("symlink", "gone/x"), fine: t.fixture("symlink", "sub/new.json") });
  t.equal(messageOf(() => checkWritableFile("--stats-json", join(dir, "dangling"))), `--stats-json: cannot write ${join(dir, "gone", "x")}: the directory ${join(dir, "gone")} does not exist`);
  t.equal(messageOf(() => checkWritableFile("--stats-json", join(dir, "fine"))), undefined);
});

t.test("a directory or file this process may not write (access denied, mocked: tests run as root)", async (t) => {
  const dir = t.testdir({ "old.json": "{}" });
  const denied = (path: fs.PathLike) => {
    throw Object.assign(new Error(`EACCES: permission denied, access '${String(path)}'`), { code: "EACCES" });
  };
  const { checkWritableFile: check } = await t.mockImport<typeof import("../../src/cli/check-writable.js")>("../../src/cli/check-writable.js", {
    "node:fs": { ...fs, accessSync: denied },
  });
  t.equal(messageOf(() => check("--stats-json", join(dir, "new.json"))), `--stats-json: cannot write ${join(dir, "new.json")}: EACCES: permission denied`);
  t.equal(messageOf(() => check("--stats-json", join(dir, "old.json"))), `--stats-json: cannot write ${join(dir, "old.json")}: EACCES: permission denied`);
});
