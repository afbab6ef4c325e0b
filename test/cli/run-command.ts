// Tests for src/cli/run-command.ts and createCli: how a command line parses (never executed).
import { Builtins, type Command } from "clipanion";
import t from "tap";
import { createCli, loadCommands } from "../../src/cli/clipanion-cli.js";
import { OPTION_TABLE, type OptionRow, type RawSettings } from "../../src/cli/option-table.js";
import { RunCommand } from "../../src/cli/run-command.js";
import { VersionCommand } from "../../src/cli/version-command.js";

const cli = createCli(await loadCommands());
const parse = (argv: string[]): Command => cli.process(argv);

/** flags() with no option given: every key present, all undefined. */
const NO_FLAGS: RawSettings = Object.fromEntries(OPTION_TABLE.map((row) => [row.key, undefined]));

function errorOf(argv: string[]): unknown {
  try {
    parse(argv);
  } catch (error) {
    return error;
  }
  return undefined;
}

t.test("parsed into a RunCommand", async (t) => {
  const cases: Array<{ argv: string[]; command: string[]; flags?: RawSettings }> = [
    { argv: ["--", "make", "-j4"], command: ["make", "-j4"] },
    { argv: ["--cache-dir", "/x", "--", "cmd", "--cache-dir", "y"], command: ["cmd", "--cache-dir", "y"], flags: { cacheDir: "/x" } },
    { argv: ["--", "sh", "--help"], command: ["sh", "--help"] },
    { argv: ["--", "sh", "-h"], command: ["sh", "-h"] },
    { argv: ["--", "cc", "--version", "-v"], command: ["cc", "--version", "-v"] },
    { argv: ["--bind", "a", "--bind", "b:/c", "--", "x"], command: ["x"], flags: { bind: ["a", "b:/c"] } },
    { argv: ["--bind", "a", "--", "x", "--bind", "b"], command: ["x", "--bind", "b"], flags: { bind: ["a"] } },
    { argv: ["--action-cache-enable-update", "--", "x"], command: ["x"], flags: { actionCacheEnableUpdate: true } },
    { argv: ["--no-share-net", "--", "x"], command: ["x"], flags: { shareNet: false } },
    { argv: ["--cache-dir=/x", "--", "y"], command: ["y"], flags: { cacheDir: "/x" } },
    { argv: ["--", "git", "diff", "--", "file"], command: ["git", "diff", "--", "file"] },
    { argv: ["--", "--", "x"], command: ["--", "x"] },
    { argv: ["make"], command: ["make"] },
    {
      argv: ["--sandbox", "none", "--setenv", "A=1", "--setenv", "B=2", "--unsetenv", "C", "--clearenv", "--verbose", "--stats", "--", "env"],
      command: ["env"],
      flags: { sandbox: "none", setenv: ["A=1", "B=2"], unsetenv: ["C"], clearenv: true, verbose: true, stats: true },
    },
    {
      argv: ["--root", "/r", "--ro-bind", "/s:/s", "--tmpfs", "/t", "--chdir", "/s", "--share-net", "--uid", "0", "--gid", "0", "--hostname", "h", "--", "x"],
      command: ["x"],
      flags: { root: "/r", roBind: ["/s:/s"], tmpfs: ["/t"], chdir: "/s", shareNet: true, uid: "0", gid: "0", hostname: "h" },
    },
  ];
  for (const c of cases) {
    t.test(JSON.stringify(c.argv), async (t) => {
      const parsed = parse(c.argv);
      t.type(parsed, RunCommand);
      if (!(parsed instanceof RunCommand)) return;
      t.strictSame(parsed.command, c.command, "command");
      t.strictSame(parsed.flags(), { ...NO_FLAGS, ...c.flags }, "flags()");
    });
  }
});

t.test("refused", async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [[], /^Not enough positional arguments/],
    [["--"], /^Command not found/],
    [["--bogus", "--", "x"], /^Unsupported option name \("--bogus"\)/],
    [["--cache-dir"], /^Command not found/],
    [["--cache-dir", "--", "x"], /^Command not found/],
    [["--share-net=1", "--", "x"], /^Invalid option name \("--share-net=1"\)/],
    [["make", "-j4"], /^Invalid option name \("-j4"\)/],
  ];
  for (const [argv, message] of cases) {
    t.test(JSON.stringify(argv), async (t) => {
      const error = errorOf(argv);
      t.type(error, Error);
      if (error instanceof Error) t.match(error.message, message);
    });
  }
});

t.test("help and version are not RunCommands", async (t) => {
  const cases: Array<[string[], string]> = [
    [["--help"], "HelpCommand"],
    [["-h"], "HelpCommand"],
    [["--version"], "VersionCommand"],
  ];
  for (const [argv, name] of cases) {
    t.test(JSON.stringify(argv), async (t) => {
      const parsed = parse(argv);
      t.notOk(parsed instanceof RunCommand);
      t.equal(parsed.constructor.name, name);
      t.type(parsed, name === "HelpCommand" ? Builtins.HelpCommand : VersionCommand);
    });
  }
  // --help among the options shows the run command's own usage (clipanion's internal help command).
  const late = parse(["--cache-dir", "/x", "--help"]);
  t.notOk(late instanceof RunCommand, "--help before -- asks for help");
  t.equal(late.constructor.name, "HelpCommand");
});

t.test("-v is --verbose, not --version", async (t) => {
  const cases: Array<[string[], string[]]> = [
    [["-v", "--", "x"], ["x"]],
    [["-v", "--stats", "--", "cc", "-v"], ["cc", "-v"]],
  ];
  for (const [argv, command] of cases) {
    const parsed = parse(argv);
    t.type(parsed, RunCommand, JSON.stringify(argv));
    if (parsed instanceof RunCommand) {
      t.equal(parsed.flags().verbose, true);
      t.strictSame(parsed.command, command);
    }
  }
  t.match((errorOf(["-v"]) as Error | undefined)?.message, /^Command not found/, "-v alone is a run without a command");
});

/** A sensible value for each option that takes one. */
const VALUES: Partial<Record<OptionRow["key"], string>> = { uid: "1", gid: "1", sandbox: "bwrap", maxBlobSize: "1K", instance: "main", hostname: "h" };

t.test("every OPTION_TABLE flag is accepted", async (t) => {
  t.ok(OPTION_TABLE.length > 0);
  for (const row of OPTION_TABLE) {
    t.test(row.flag, async (t) => {
      const value = VALUES[row.key] ?? "/run";
      const argv = row.kind === "boolean" ? [row.flag, "--", "x"] : [row.flag, value, "--", "x"];
      const parsed = parse(argv);
      t.type(parsed, RunCommand);
      if (!(parsed instanceof RunCommand)) return;
      const expected = row.kind === "boolean" ? true : row.kind === "list" ? [value] : value;
      t.strictSame(parsed.flags(), { ...NO_FLAGS, [row.key]: expected });
      t.strictSame(parsed.command, ["x"]);
    });
  }
});

t.test("flags() covers exactly the OPTION_TABLE keys", async (t) => {
  const parsed = parse(["--", "x"]);
  t.type(parsed, RunCommand);
  if (parsed instanceof RunCommand) {
    t.strictSame(Object.keys(parsed.flags()).sort(), OPTION_TABLE.map((row) => row.key).sort());
  }
});

t.test("list flags repeat, keeping order; a repeated string flag keeps the last", async (t) => {
  for (const row of OPTION_TABLE.filter((r) => r.kind === "list")) {
    const parsed = parse([row.flag, "/a", row.flag, "/b", row.flag, "/a", "--", "x"]);
    t.strictSame(parsed instanceof RunCommand ? parsed.flags()[row.key] : undefined, ["/a", "/b", "/a"], row.flag);
  }
  const parsed = parse(["--instance", "one", "--instance", "two", "--", "x"]);
  t.equal(parsed instanceof RunCommand ? parsed.flags().instance : undefined, "two");
});
