// Tests for src/cli/run-argv.ts: the run's command line read without clipanion agrees with clipanion wherever it answers.
import type { Command } from "clipanion";
import t from "tap";
import { createCli, loadCommands } from "../../src/cli/clipanion-cli.js";
import { OPTION_TABLE, type RawSettings } from "../../src/cli/option-table.js";
import { RunCommand } from "../../src/cli/run-command.js";
import { parseRunArgv } from "../../src/cli/run-argv.js";
import { Rng } from "../helpers/fuzz-inputs.js";

const cli = createCli(await loadCommands());
const NO_FLAGS: RawSettings = Object.fromEntries(OPTION_TABLE.map((row) => [row.key, undefined]));

/** `settings` without its unset keys, keys sorted: how two readings are compared. */
const given = (settings: RawSettings): [string, unknown][] =>
  Object.entries(settings)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => a.localeCompare(b));

/** What clipanion makes of `argv`: the run's flags and command, another command's name, or its error. */
function clipanionReading(argv: string[]): { flags: RawSettings; command: readonly string[] } | string {
  let parsed: Command;
  try {
    parsed = cli.process(argv);
  } catch (error) {
    return `error: ${(error as Error).message.split("\n")[0]}`;
  }
  return parsed instanceof RunCommand ? { flags: parsed.flags(), command: parsed.command } : parsed.constructor.name;
}

t.test("the common shapes are read, as clipanion reads them", async (t) => {
  const cases: Array<{ argv: string[]; flags: RawSettings; command: string[] }> = [
    { argv: ["--", "true"], flags: {}, command: ["true"] },
    { argv: ["--cache-dir", "/c", "--", "make", "-j4"], flags: { cacheDir: "/c" }, command: ["make", "-j4"] },
    { argv: ["--cache-dir=/c", "-v", "--", "x", "--", "--help"], flags: { cacheDir: "/c", verbose: true }, command: ["x", "--", "--help"] },
    { argv: ["--bind", "a", "--bind=b:/c", "--share-net", "--share-net", "--", "x"], flags: { bind: ["a", "b:/c"], shareNet: true }, command: ["x"] },
    { argv: ["--setenv=A=", "--hostname=", "--", "x", "--"], flags: { setenv: ["A="], hostname: "" }, command: ["x", "--"] },
  ];
  for (const c of cases) {
    const fast = parseRunArgv(c.argv);
    t.strictSame(fast, { flags: c.flags, command: c.command }, JSON.stringify(c.argv));
    t.strictSame(clipanionReading(c.argv), { flags: { ...NO_FLAGS, ...c.flags }, command: c.command }, `clipanion: ${JSON.stringify(c.argv)}`);
  }
});

t.test("anything else is left to clipanion", async (t) => {
  const cases = [
    [],
    ["--"],
    ["make"],
    ["make", "--", "x"],
    ["--help"],
    ["-h", "--", "x"],
    ["--version"],
    ["serve", "--socket", "/s"],
    ["--cache-dir", "/x", "--help"],
    ["--cache-dir"],
    ["--cache-dir", "--", "x"],
    ["--cache-dir", "-x", "--", "y"],
    ["--instance", "a", "--instance", "b", "--", "x"],
    ["--no-share-net", "--", "x"],
    ["--share-net=1", "--", "x"],
    ["--bogus", "--", "x"],
    ["-vv", "--", "x"],
    ["", "--", "x"],
    ["--", "--help"],
    ["--", "-v", "x"],
  ];
  for (const argv of cases) t.equal(parseRunArgv(argv), undefined, JSON.stringify(argv));
});

/** Words a generated command line is made of: every flag in each form, values that look like flags, stray words. */
function randomArgv(rng: Rng): string[] {
  const values = ["/x", "", "-x", "--", "a=b", "--help", "none", "1"];
  const argv: string[] = [];
  for (let i = rng.int(5); i > 0; i -= 1) {
    const row = rng.pick(OPTION_TABLE);
    switch (rng.int(8)) {
      case 0:
        argv.push(rng.pick(["-v", "-h", "--help", "--version", "--no-share-net", "--bogus", "-x", "", "make", "serve"]));
        break;
      case 1:
        argv.push(`${row.flag}=${rng.pick(values)}`);
        break;
      case 2:
        argv.push(row.flag);
        break;
      default:
        argv.push(row.flag);
        if (row.kind !== "boolean" || rng.chance(0.1)) argv.push(rng.pick(values));
    }
  }
  if (rng.chance(0.9)) argv.push("--");
  for (let i = rng.int(4); i > 0; i -= 1) argv.push(rng.chance(0.5) ? "cc" : rng.pick(["-v", "--help", "--", "--cache-dir", "x=y"]));
  return argv;
}

t.test("on 5,000 generated command lines, wherever it answers, clipanion answers the same", async (t) => {
  const rng = new Rng(20261130);
  let answered = 0;
  let disagreements = 0;
  for (let n = 0; n < 5000; n += 1) {
    const argv = randomArgv(rng);
    const fast = parseRunArgv(argv);
    if (fast === undefined) continue;
    answered += 1;
    const reading = clipanionReading(argv);
    const expected = { flags: { ...NO_FLAGS, ...fast.flags }, command: fast.command };
    const same = typeof reading !== "string" && JSON.stringify([given(reading.flags), reading.command]) === JSON.stringify([given(fast.flags), fast.command]);
    if (!same) {
      disagreements += 1;
      if (disagreements <= 5) t.strictSame(reading, expected, JSON.stringify(argv));
    }
  }
  t.equal(disagreements, 0, "no command line read differently");
  t.ok(answered > 500 && answered < 4500, `both paths exercised (${answered} of 5000 read without clipanion)`);
});
