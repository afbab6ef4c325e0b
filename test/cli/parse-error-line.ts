// Tests for src/cli/parse-error-line.ts: every kind of command line clipanion cannot parse gives one line naming what was wrong.
import t from "tap";
import { Cli } from "clipanion";
import { createCli, loadCommands } from "../../src/cli/clipanion-cli.js";
import { parseErrorLine } from "../../src/cli/parse-error-line.js";
import { runTool } from "../helpers/run-tool.js";

/** What clipanion throws for `argv`, with only the commands the tool would load for it. */
async function parseError(argv: string[]): Promise<unknown> {
  try {
    createCli(await loadCommands(argv)).process(argv, Cli.defaultContext);
  } catch (error) {
    return error;
  }
  return undefined;
}

t.test("one line per kind of parse error, naming the argument and the help to read", async (t) => {
  const cases: Array<[string[], string]> = [
    [["--no-such-flag", "--", "true"], 'Unsupported option name ("--no-such-flag"). (see bst-cas-run --help)'],
    [["--share-net=1", "--", "x"], '--share-net takes no value, got "--share-net=1" (see bst-cas-run --help)'],
    [["--verbose=yes", "--", "x"], '--verbose takes no value, got "--verbose=yes" (see bst-cas-run --help)'],
    [["cas", "get", "--tree=", "d"], '--tree takes no value, got "--tree=" (see bst-cas-run cas get --help)'],
    [["--bogus=1", "--", "x"], 'Invalid option name ("--bogus=1"). (see bst-cas-run --help)'],
    [["--cache-dir"], "Not enough arguments to option --cache-dir. (see bst-cas-run --help)"],
    [[], "Not enough positional arguments: expected -- <command> [args...] (see bst-cas-run --help)"],
    [["--"], "Not enough positional arguments: expected -- <command> [args...] (see bst-cas-run --help)"],
    [["--sandbox", "none"], "Not enough positional arguments: expected -- <command> [args...] (see bst-cas-run --help)"],
    [["serve", "--socket"], "Not enough arguments to option --socket. (see bst-cas-run serve --help)"],
    [["serve", "extra"], 'Extraneous positional argument ("extra"). (see bst-cas-run serve --help)'],
    [["cas", "get"], "Not enough positional arguments: expected <DIGEST> (see bst-cas-run cas get --help)"],
    [["cas", "put"], "Not enough positional arguments: expected <PATH> ... (see bst-cas-run cas put --help)"],
    [["cas", "get", "-o"], "Not enough arguments to option -o. (see bst-cas-run cas get --help)"],
    [["cas", "get", "--bogus", "x"], 'Unsupported option name ("--bogus"). (see bst-cas-run cas get --help)'],
    [["cas", "frob"], 'unknown command "cas frob": cas takes put, get or missing (see bst-cas-run --help)'],
    [["cas"], "cas needs a subcommand first: put, get or missing (see bst-cas-run --help)"],
    [["cas", "--help"], "cas needs a subcommand first: put, get or missing (see bst-cas-run --help)"],
    [["store", "prune"], 'unknown command "store prune": store takes stats, gc or verify (see bst-cas-run --help)'],
    [["ac", "put", "x"], "ac put: missing --result (see bst-cas-run ac put --help)"],
    [["ac", "get", "a", "b"], 'Extraneous positional argument ("b"). (see bst-cas-run ac get --help)'],
    [["--version", "x"], 'Extraneous positional argument ("x"). (see bst-cas-run --help)'],
  ];
  for (const [argv, line] of cases) {
    const error = await parseError(argv);
    t.ok(error instanceof Error, `${argv.join(" ")}: clipanion refuses it`);
    t.equal(parseErrorLine(error, argv), line, argv.join(" "));
  }
});

t.test("other errors: their first line, or a line of their own for an ambiguous command line", async (t) => {
  t.equal(parseErrorLine(new Error("first\nsecond"), ["x"]), "first (see bst-cas-run --help)");
  const ambiguous = Object.assign(new Error("Cannot find which to pick amongst the following alternatives:\n\n  0. a\n  1. b"), { name: "AmbiguousSyntaxError" });
  t.equal(parseErrorLine(ambiguous, ["a b", "c"]), 'ambiguous command line: "a b" c (see bst-cas-run --help)');
  t.equal(parseErrorLine("text", []), "text (see bst-cas-run --help)");
});

t.test("the built CLI prints the line alone and exits with the usage status of the command", async (t) => {
  const cases: Array<[string[], number, string]> = [
    [["--sandbox", "none"], 125, "bst-cas-run: Not enough positional arguments: expected -- <command> [args...] (see bst-cas-run --help)"],
    [["store", "prune"], 125, 'bst-cas-run: unknown command "store prune": store takes stats, gc or verify (see bst-cas-run --help)'],
    [["cas", "frob"], 2, 'bst-cas-run: unknown command "cas frob": cas takes put, get or missing (see bst-cas-run --help)'],
    [["ac", "put", "x"], 2, "bst-cas-run: ac put: missing --result (see bst-cas-run ac put --help)"],
  ];
  for (const [argv, status, line] of cases) {
    const result = await runTool(argv);
    t.equal(result.exitCode, status, `${argv.join(" ")}: exit status`);
    t.equal(result.stderr, line, `${argv.join(" ")}: stderr`);
    t.equal(result.stdout, "", `${argv.join(" ")}: nothing on stdout`);
  }
});
