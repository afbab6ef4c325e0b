// Tests for src/sandbox/own-terminal.ts: the command line script(1) runs is taken word for word by /bin/sh.
import t from "tap";
import { execa } from "execa";
import { shellWord, underScript } from "../../src/sandbox/own-terminal.js";
import { ignoredMask, INT_AND_QUIT, PRINT_IGNORED } from "../helpers/ignored-signals.js";

/** Words a shell would split, expand or choke on. */
const AWKWARD = ["plain", "", "two words", "it's", "'", "''", '"$HOME"', "$(echo no)", "`echo no`", "a\\b", "new\nline", "*", "--", "-c", "; exit 3", "é ✓"];

const TOOLS = { script: "/usr/bin/script", setpriv: "/usr/bin/setpriv" };
/** Where the command line sits among script's arguments. */
const LINE = 7;

t.test("script(1) runs under setpriv(1), which ends it with SIGTERM when this process dies", async (t) => {
  const launch = underScript(TOOLS, ["true"], {});
  t.equal(launch.file, "/usr/bin/setpriv");
  t.strictSame(launch.args.slice(0, LINE), ["--pdeathsig", "TERM", "--", "/usr/bin/script", "-q", "-e", "-c"], "quiet, with the command's status, the command line next");
  t.strictSame(launch.args.slice(LINE + 1), ["/dev/null"], "no log kept");
});

t.test("the command line script(1) hands /bin/sh gives the command exactly its words", async (t) => {
  const launch = underScript(TOOLS, ["printf", "%s\\0", ...AWKWARD], { PATH: process.env["PATH"] ?? "" });
  t.equal(launch.env["SHELL"], "/bin/sh", "script(1) runs the line with /bin/sh");
  const run = await execa("/bin/sh", ["-c", launch.args[LINE] ?? ""], { env: launch.env, extendEnv: false, encoding: "buffer" });
  t.strictSame(Buffer.from(run.stdout).toString().split("\0").slice(0, -1), AWKWARD);
});

t.test("the command sees the caller's SHELL, or none when the caller had none", async (t) => {
  for (const [name, env, expected] of [
    ["set", { PATH: process.env["PATH"] ?? "", SHELL: "/usr/bin/fish" }, "/usr/bin/fish"],
    ["set, awkward", { PATH: process.env["PATH"] ?? "", SHELL: "/opt/my 'shell'" }, "/opt/my 'shell'"],
    ["unset", { PATH: process.env["PATH"] ?? "" }, "(unset)"],
  ] as const) {
    const launch = underScript(TOOLS, ["sh", "-c", 'echo "${SHELL-(unset)}"'], env);
    const run = await execa("/bin/sh", ["-c", launch.args[LINE] ?? ""], { env: launch.env, extendEnv: false });
    t.equal(run.stdout, expected, name);
  }
});

t.test("the command starts with the signals asked for ignored", async (t) => {
  /** The ignored-signal mask of the command the line runs (bit N-1 for signal N). */
  const ignored = async (signals: readonly string[]) => {
    const launch = underScript(TOOLS, PRINT_IGNORED, { PATH: process.env["PATH"] ?? "" }, signals);
    const run = await execa("/bin/sh", ["-c", launch.args[LINE] ?? ""], { env: launch.env, extendEnv: false });
    return ignoredMask(run.stdout);
  };
  t.equal((await ignored([])) & INT_AND_QUIT, 0n, "neither SIGINT nor SIGQUIT by default");
  t.equal((await ignored(["INT", "QUIT"])) & INT_AND_QUIT, INT_AND_QUIT, "both when asked");
});

t.test("shellWord quotes every word, and only with single quotes", async (t) => {
  t.equal(shellWord("a b"), "'a b'");
  t.equal(shellWord("it's"), "'it'\\''s'");
  t.equal(shellWord(""), "''");
});
