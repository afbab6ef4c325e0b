// Tests for src/cli/clipanion-cli.ts: which commands a command line's first word loads, and that each still parses.
import t from "tap";
import { Cli } from "clipanion";
import { createCli, loadCommands } from "../../src/cli/clipanion-cli.js";

const names = async (argv: string[]) => (await loadCommands(argv)).map((command) => command.name);

t.test("the first word picks the commands loaded", async (t) => {
  t.strictSame(await names(["--", "true"]), ["RunCommand"], "a run loads the run command alone");
  t.strictSame(await names(["--cache-dir", "/c", "--", "make"]), ["RunCommand"], "options first: still a run");
  t.strictSame(await names(["serve", "--socket", "/s"]), ["ServeCommand"]);
  t.strictSame(await names(["cas", "put", "f"]), ["CasPutCommand", "CasGetCommand", "CasMissingCommand"]);
  t.strictSame(await names(["store", "gc"]), ["StoreStatsCommand", "StoreGcCommand", "StoreVerifyCommand"]);
  t.strictSame(await names(["--version"]), ["VersionCommand"]);
  t.equal((await names([])).length, 12, "no arguments: every command, for the usage text");
  t.equal((await names(["--help"])).length, 12, "--help lists every command");
});

t.test("each command line parses to the same command with only its commands registered", async (t) => {
  const full = createCli(await loadCommands());
  for (const argv of [["--", "true"], ["serve", "--socket", "/tmp/s"], ["store", "stats"], ["ac", "get", "--help"], ["--version"]]) {
    const lean = createCli(await loadCommands(argv)).process(argv, Cli.defaultContext);
    t.equal(lean.constructor.name, full.process(argv, Cli.defaultContext).constructor.name, argv.join(" "));
  }
});
