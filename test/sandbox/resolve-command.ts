// Tests for src/sandbox/resolve-command.ts: PATH search as execvp does it, 127 and 126 on failure.
import { chmod } from "node:fs/promises";
import { join } from "node:path";
import t from "tap";
import { resolveCommand } from "../../src/sandbox/resolve-command.js";
import { ToolError } from "../../src/run/tool-error.js";

const SCRIPT = "#!/bin/sh\nexit 0\n";

const root = t.testdir({
  bin1: { tool: SCRIPT, noexec: SCRIPT, both: SCRIPT, adir: {}, xonly: SCRIPT, othersx: SCRIPT },
  bin2: { both: SCRIPT, adir: SCRIPT },
  links: { linked: t.fixture("symlink", "../bin1/tool") },
  sub: { script: SCRIPT, plain: SCRIPT, deeper: {} },
  cwdcmd: SCRIPT,
  "with space": { cmd: SCRIPT },
});

const modes: Array<[string, number]> = [
  ["bin1/tool", 0o755],
  ["bin1/noexec", 0o644],
  ["bin1/both", 0o644],
  ["bin1/xonly", 0o100],
  ["bin1/othersx", 0o001],
  ["bin2/both", 0o755],
  ["bin2/adir", 0o755],
  ["sub/script", 0o755],
  ["sub/plain", 0o644],
  ["cwdcmd", 0o755],
  ["with space/cmd", 0o755],
];

t.before(async () => {
  for (const [file, mode] of modes) await chmod(join(root, file), mode);
});

const r = (...parts: string[]): string => join(root, ...parts);

t.test("found", async (t) => {
  const cases: Array<{ name: string; command: string; path: string; cwd?: string; expected: string }> = [
    { name: "in PATH", command: "tool", path: r("bin1"), expected: r("bin1", "tool") },
    { name: "first executable wins over an earlier non-executable", command: "both", path: `${r("bin1")}:${r("bin2")}`, expected: r("bin2", "both") },
    { name: "directory in an earlier entry is skipped", command: "adir", path: `${r("bin1")}:${r("bin2")}`, expected: r("bin2", "adir") },
    { name: "missing directories in PATH are skipped", command: "tool", path: `${r("nope")}:${r("bin1")}`, expected: r("bin1", "tool") },
    { name: "mode 0100 is executable for root", command: "xonly", path: r("bin1"), expected: r("bin1", "xonly") },
    { name: "mode 0001 is executable for root", command: "othersx", path: r("bin1"), expected: r("bin1", "othersx") },
    { name: "symlink to an executable (link path kept)", command: "linked", path: r("links"), expected: r("links", "linked") },
    { name: "empty PATH means cwd", command: "cwdcmd", path: "", expected: r("cwdcmd") },
    { name: "leading empty entry means cwd", command: "cwdcmd", path: `:${r("bin1")}`, expected: r("cwdcmd") },
    { name: "trailing empty entry means cwd", command: "cwdcmd", path: `${r("bin1")}:`, expected: r("cwdcmd") },
    { name: "middle empty entry means cwd", command: "cwdcmd", path: `${r("bin1")}::${r("bin2")}`, expected: r("cwdcmd") },
    { name: "relative PATH entry resolves against cwd", command: "tool", path: "bin1", expected: r("bin1", "tool") },
    { name: "PATH entry with a space", command: "cmd", path: r("with space"), expected: r("with space", "cmd") },
    { name: "./ relative with slash", command: "./cwdcmd", path: "", expected: r("cwdcmd") },
    { name: "relative with slash ignores PATH", command: "sub/script", path: r("bin1"), expected: r("sub", "script") },
    { name: "../ relative with slash", command: "../cwdcmd", path: "", cwd: r("sub"), expected: r("cwdcmd") },
    { name: "absolute path", command: r("bin1", "tool"), path: "", cwd: "/", expected: r("bin1", "tool") },
  ];
  for (const c of cases) {
    t.test(c.name, async (t) => {
      t.equal(await resolveCommand(c.command, c.path, c.cwd ?? root), c.expected);
    });
  }
});

t.test("refused", async (t) => {
  const cases: Array<{ name: string; command: string; path: string; cwd?: string; status: number; message: string }> = [
    { name: "not found", command: "missing", path: `${r("bin1")}:${r("bin2")}`, status: 127, message: "missing: command not found" },
    { name: "only a directory of that name", command: "adir", path: r("bin1"), status: 127, message: "adir: command not found" },
    { name: "non-executable file (0644, even as root)", command: "noexec", path: r("bin1"), status: 126, message: "noexec: permission denied" },
    { name: "non-executable only, later entries lack it", command: "noexec", path: `${r("bin2")}:${r("bin1")}`, status: 126, message: "noexec: permission denied" },
    { name: "cwd file not found without an empty entry", command: "cwdcmd", path: r("bin1"), status: 127, message: "cwdcmd: command not found" },
    { name: "empty PATH, nothing in cwd", command: "tool", path: "", status: 127, message: "tool: command not found" },
    { name: "empty command", command: "", path: r("bin1"), status: 127, message: "the command is empty" },
    { name: "relative path, missing", command: "./nope", path: r("bin1"), status: 127, message: "./nope: no such file or directory" },
    { name: "relative path, non-executable", command: "sub/plain", path: "", status: 126, message: "sub/plain: permission denied" },
    { name: "relative path, a directory", command: "./sub/deeper", path: "", status: 126, message: "./sub/deeper: is not a regular file" },
    { name: "absolute path, non-executable", command: r("bin1", "noexec"), path: "", status: 126, message: `${r("bin1", "noexec")}: permission denied` },
    { name: "absolute path, a directory", command: r("bin1"), path: "", status: 126, message: `${r("bin1")}: is not a regular file` },
    { name: "absolute path, missing", command: r("nope"), path: r("bin1"), status: 127, message: `${r("nope")}: no such file or directory` },
    { name: "trailing slash on a file", command: `${r("bin1", "tool")}/`, path: "", status: 127, message: `${r("bin1", "tool")}/: no such file or directory` },
  ];
  for (const c of cases) {
    t.test(c.name, async (t) => {
      const error: unknown = await resolveCommand(c.command, c.path, c.cwd ?? root).then(
        (found) => new Error(`resolved to ${found}`),
        (e: unknown) => e,
      );
      t.type(error, ToolError);
      if (error instanceof ToolError) {
        t.equal(error.exitStatus, c.status);
        t.equal(error.message, c.message);
      }
    });
  }
});
