// Tests for src/cli/main.ts: which commands a command line's first word registers, and that each still parses.
import t from "tap";
import { Cli } from "clipanion";
import { createCli, reachableCommands } from "../../src/cli/main.js";

const names = (argv: string[]) => reachableCommands(argv).map((command) => command.name);

t.test("the first word picks the commands registered", async (t) => {
  t.strictSame(names(["--", "true"]), ["RunCommand"], "a run registers the run command alone");
  t.strictSame(names(["--cache-dir", "/c", "--", "make"]), ["RunCommand"], "options first: still a run");
  t.strictSame(names(["serve", "--socket", "/s"]), ["ServeCommand"]);
  t.strictSame(names(["cas", "put", "f"]), ["CasPutCommand", "CasGetCommand", "CasMissingCommand"]);
  t.strictSame(names(["store", "gc"]), ["StoreStatsCommand", "StoreGcCommand", "StoreVerifyCommand"]);
  t.strictSame(names(["--version"]), ["VersionCommand"]);
  t.equal(names([]).length, 12, "no arguments: every command, for the usage text");
  t.equal(names(["--help"]).length, 12, "--help lists every command");
});

t.test("each command line parses to the same command with only its commands registered", async (t) => {
  for (const argv of [["--", "true"], ["serve", "--socket", "/tmp/s"], ["store", "stats"], ["ac", "get", "--help"], ["--version"]]) {
    const lean = createCli(argv).process(argv, Cli.defaultContext);
    const full = createCli().process(argv, Cli.defaultContext);
    t.equal(lean.constructor.name, full.constructor.name, argv.join(" "));
  }
});
