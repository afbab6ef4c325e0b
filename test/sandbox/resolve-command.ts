// Tests for src/sandbox/resolve-command.ts: PATH search as execvp does it, 127 and 126 on failure.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { chmod } from "node:fs/promises";
import { join } from "node:path";
import t from "tap";
import { DEFAULT_SANDBOX_SHAPE } from "../../src/sandbox/bwrap-args.js";
import { resolveCommand } from "../../src/sandbox/resolve-command.js";
import { HOST_VIEW, sandboxView, type SandboxView } from "../../src/sandbox/sandbox-view.js";
import { ToolError } from "../../src/run/tool-error.js";
import { elf } from "../helpers/elf-file.js";

const SCRIPT = "#!/bin/sh\nexit 0\n";
/** Stands in for a binary: no #! line, so no interpreter to check. */
const BINARY = "\x7fELF\n";

const root = t.testdir({
  bin1: { tool: SCRIPT, noexec: SCRIPT, both: SCRIPT, adir: {}, xonly: SCRIPT, othersx: SCRIPT },
  bin2: { both: SCRIPT, adir: SCRIPT },
  links: { linked: t.fixture("symlink", "../bin1/tool") },
  sub: { script: SCRIPT, plain: SCRIPT, deeper: {}, badinterp: "#!/nonexistent/interp -x\nexit 0\n", spaced: "#!  /bin/sh  -e\nexit 0\n" },
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
  ["sub/badinterp", 0o755],
  ["sub/spaced", 0o755],
  ["cwdcmd", 0o755],
  ["with space/cmd", 0o755],
];

t.before(async () => {
  for (const [file, mode] of modes) await chmod(join(root, file), mode);
  // A script whose interpreter is a file that cannot be executed.
  writeFileSync(join(root, "sub", "noexecinterp"), `#!${join(root, "bin1", "noexec")}\n`, { mode: 0o755 });
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
    { name: "#! with spaces around the interpreter", command: "./sub/spaced", path: "", expected: r("sub", "spaced") },
  ];
  for (const c of cases) {
    t.test(c.name, async (t) => {
      t.equal(resolveCommand(c.command, c.path, c.cwd ?? root), c.expected);
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
    { name: "script whose interpreter is missing", command: "./sub/badinterp", path: "", status: 126, message: "./sub/badinterp: bad interpreter /nonexistent/interp: no such file or directory" },
    { name: "the same found through PATH", command: "badinterp", path: r("sub"), status: 126, message: "badinterp: bad interpreter /nonexistent/interp: no such file or directory" },
    { name: "script whose interpreter is not executable", command: "sub/noexecinterp", path: "", status: 126, message: `sub/noexecinterp: bad interpreter ${r("bin1", "noexec")}: permission denied` },
  ];
  for (const c of cases) {
    t.test(c.name, async (t) => {
      let error: unknown;
      try {
        error = new Error(`resolved to ${resolveCommand(c.command, c.path, c.cwd ?? root)}`);
      } catch (thrown) {
        error = thrown;
      }
      t.type(error, ToolError);
      if (error instanceof ToolError) {
        t.equal(error.exitStatus, c.status);
        t.equal(error.message, c.message);
      }
    });
  }
});

/** What resolveCommand gives: the sandbox path found, or the refusal's status and message. */
async function outcome(command: string, path: string, cwd: string, view: SandboxView): Promise<string | { status: number; message: string }> {
  try {
    return resolveCommand(command, path, cwd, view);
  } catch (error) {
    if (error instanceof ToolError) return { status: error.exitStatus, message: error.message };
    throw error;
  }
}

t.test("with a sandbox view", async (t) => {
  // A tiny root for --root: bin/tool (0755), bin/plain (0644), bin/script (0755, #!/bin/sh), no
  // sh; dynamic executables whose loader is there (through a link absolute in the root, whose
  // target the host lacks) and is not.
  const sysroot = t.testdir({
    bin: { tool: BINARY, plain: BINARY, script: SCRIPT },
    usr: { bin: {} },
    lib64: { "ld-test.so": t.fixture("symlink", "/opt/sysroot-only/ld-test.so") },
    opt: { "sysroot-only": { "ld-test.so": BINARY } },
  });
  chmodSync(join(sysroot, "bin", "script"), 0o755);
  writeFileSync(join(sysroot, "bin", "dynamic"), elf(64, true, 3, "/lib64/ld-test.so"), { mode: 0o755 });
  writeFileSync(join(sysroot, "bin", "loaderless"), elf(64, true, 3, "/lib64/ld-missing.so"), { mode: 0o755 });
  chmodSync(join(sysroot, "bin", "tool"), 0o755);
  chmodSync(join(sysroot, "bin", "plain"), 0o644);
  // A command on the host under /tmp, which the sandbox covers with a fresh tmpfs.
  const hostTmp = mkdtempSync("/tmp/bst-cas-run-test-");
  t.teardown(() => rmSync(hostTmp, { recursive: true, force: true }));
  writeFileSync(join(hostTmp, "hidden"), SCRIPT, { mode: 0o755 });

  const bound = sandboxView({ ...DEFAULT_SANDBOX_SHAPE, cwd: "/", mounts: [{ source: r("bin1"), destination: "/opt/tools", readOnly: true }] });
  const inRoot = sandboxView({ ...DEFAULT_SANDBOX_SHAPE, root: sysroot, cwd: root });
  const hostRoot = sandboxView({ ...DEFAULT_SANDBOX_SHAPE, cwd: root });
  const cwdInTmp = sandboxView({ ...DEFAULT_SANDBOX_SHAPE, cwd: hostTmp });
  const tmpBound = sandboxView({ ...DEFAULT_SANDBOX_SHAPE, cwd: "/", mounts: [{ source: hostTmp, destination: "/opt/t", readOnly: false }] });

  const cases: Array<{ name: string; command: string; path: string; cwd: string; view: SandboxView; expected: string | { status: number; message: string } }> = [
    { name: "only visible through a bind, via PATH", command: "tool", path: "/nonexistent:/opt/tools", cwd: "/", view: bound, expected: "/opt/tools/tool" },
    { name: "only visible through a bind, absolute", command: "/opt/tools/tool", path: "", cwd: "/", view: bound, expected: "/opt/tools/tool" },
    { name: "only visible through a bind, relative to cwd", command: "tools/tool", path: "", cwd: "/opt", view: bound, expected: "/opt/tools/tool" },
    { name: "the bind is not there on the host", command: "tool", path: "/opt/tools", cwd: "/", view: HOST_VIEW, expected: { status: 127, message: "tool: command not found" } },
    { name: "non-executable through a bind", command: "noexec", path: "/opt/tools", cwd: "/", view: bound, expected: { status: 126, message: "noexec: permission denied" } },
    { name: "in --root, via PATH", command: "tool", path: "/usr/bin:/bin", cwd: "/", view: inRoot, expected: "/bin/tool" },
    { name: "in --root, absolute", command: "/bin/tool", path: "", cwd: "/", view: inRoot, expected: "/bin/tool" },
    { name: "in --root, relative to the sandbox cwd", command: "./tool", path: "", cwd: "/bin", view: inRoot, expected: "/bin/tool" },
    { name: "in --root, empty PATH entry is the sandbox cwd", command: "tool", path: ":/usr/bin", cwd: "/bin", view: inRoot, expected: "/bin/tool" },
    { name: "a host command missing from --root", command: "sh", path: "/usr/bin:/bin", cwd: "/", view: inRoot, expected: { status: 127, message: "sh: command not found" } },
    { name: "a script whose interpreter --root lacks (the host has it)", command: "script", path: "/bin", cwd: "/", view: inRoot, expected: { status: 126, message: "script: bad interpreter /bin/sh: no such file or directory" } },
    { name: "in --root, a dynamic executable whose loader is there (through a link within the root)", command: "dynamic", path: "/bin", cwd: "/", view: inRoot, expected: "/bin/dynamic" },
    { name: "in --root, a dynamic executable whose loader is missing", command: "loaderless", path: "/bin", cwd: "/", view: inRoot, expected: { status: 126, message: "loaderless: missing loader /lib64/ld-missing.so: no such file or directory" } },
    { name: "the host cwd is not bound with --root", command: "cwdcmd", path: "", cwd: root, view: inRoot, expected: { status: 127, message: "cwdcmd: command not found" } },
    { name: "non-executable in --root", command: "plain", path: "/bin", cwd: "/", view: inRoot, expected: { status: 126, message: "plain: permission denied" } },
    { name: "host /tmp command, visible on the host", command: "hidden", path: hostTmp, cwd: "/", view: HOST_VIEW, expected: join(hostTmp, "hidden") },
    { name: "host /tmp command, via PATH in the sandbox", command: "hidden", path: `${hostTmp}:/usr/bin`, cwd: root, view: hostRoot, expected: { status: 127, message: "hidden: command not found" } },
    { name: "host /tmp command, absolute in the sandbox", command: join(hostTmp, "hidden"), path: "", cwd: root, view: hostRoot, expected: { status: 127, message: `${join(hostTmp, "hidden")}: no such file or directory` } },
    { name: "host /tmp command, in --root", command: join(hostTmp, "hidden"), path: "", cwd: "/", view: inRoot, expected: { status: 127, message: `${join(hostTmp, "hidden")}: no such file or directory` } },
    { name: "host /tmp command, the cwd is under /tmp", command: "./hidden", path: "", cwd: hostTmp, view: cwdInTmp, expected: join(hostTmp, "hidden") },
    { name: "host /tmp command, bound elsewhere", command: "hidden", path: "/opt/t", cwd: "/", view: tmpBound, expected: "/opt/t/hidden" },
  ];
  for (const c of cases) {
    t.test(c.name, async (t) => {
      t.strictSame(await outcome(c.command, c.path, c.cwd, c.view), c.expected);
    });
  }
});
