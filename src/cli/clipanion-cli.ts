// The command line interface on clipanion: the commands, loaded by the first word, parsed and run.
import { Builtins, Cli, type BaseContext, type CommandClass } from "clipanion";
import { ExitStatus } from "../run/tool-error.js";
import { clientUsageStatus } from "./client-usage.js";
import { parseErrorLine } from "./parse-error-line.js";
import { VersionCommand } from "./version-command.js";

/** The program's version, as package.json gives it (replaced at bundle time). */
declare const BST_CAS_RUN_VERSION: string | undefined;

/** Commands, by the first word of their paths, loaded on demand; in the order `--help` lists them. */
interface CommandGroup {
  /** The first words that reach the group; none for the run command, which has no path. */
  readonly words: readonly string[];
  load(): Promise<readonly CommandClass<BaseContext>[]>;
}

type Commands = readonly CommandClass<BaseContext>[];
const RUN_GROUP: CommandGroup = { words: [], load: async (): Promise<Commands> => [(await import("./run-command.js")).RunCommand] };
const COMMAND_GROUPS: readonly CommandGroup[] = [
  RUN_GROUP,
  { words: ["serve"], load: async (): Promise<Commands> => [(await import("./serve-command.js")).ServeCommand] },
  {
    words: ["cas"],
    load: async (): Promise<Commands> => [
      (await import("./cas-put-command.js")).CasPutCommand,
      (await import("./cas-get-command.js")).CasGetCommand,
      (await import("./cas-missing-command.js")).CasMissingCommand,
    ],
  },
  {
    words: ["ac"],
    load: async (): Promise<Commands> => [(await import("./ac-get-command.js")).AcGetCommand, (await import("./ac-put-command.js")).AcPutCommand],
  },
  { words: ["capabilities"], load: async (): Promise<Commands> => [(await import("./capabilities-command.js")).CapabilitiesCommand] },
  {
    words: ["store"],
    load: async (): Promise<Commands> => [
      (await import("./store-stats-command.js")).StoreStatsCommand,
      (await import("./store-gc-command.js")).StoreGcCommand,
      (await import("./store-verify-command.js")).StoreVerifyCommand,
    ],
  },
  { words: ["--version"], load: async (): Promise<Commands> => [VersionCommand] },
];

/**
 * The commands a command line can reach: the group its first word names, else the run command
 * (which has no path of its own); every command for a bare `--help`. Only these modules are loaded:
 * the run command never loads the client commands' code, and clipanion, which builds a state
 * machine over all registered commands before parsing, works on the few that can match.
 * Without `argv`, every command.
 */
export async function loadCommands(argv?: readonly string[]): Promise<Commands> {
  const first = argv?.[0];
  if (argv === undefined || first === undefined || first === "--help" || first === "-h") {
    return (await Promise.all(COMMAND_GROUPS.map((group) => group.load()))).flat();
  }
  return (COMMAND_GROUPS.find((group) => group.words.includes(first)) ?? RUN_GROUP).load();
}

/** The CLI with `commands` registered, and help. */
export function createCli(commands: Commands): Cli {
  const cli = new Cli({
    binaryLabel: "bst-cas-run",
    binaryName: "bst-cas-run",
    binaryVersion: typeof BST_CAS_RUN_VERSION === "string" ? BST_CAS_RUN_VERSION : "0.0.0-dev",
    // Clipanion colours whenever Node could, even into a pipe or a file: only a terminal gets them.
    enableColors: process.stdout.isTTY === true && process.env["NO_COLOR"] === undefined,
  });
  for (const command of commands) cli.register(command);
  cli.register(Builtins.HelpCommand);
  return cli;
}

/**
 * Parses `argv` with clipanion and runs the command it names; sets the process's exit status. A
 * command line it cannot parse is one line naming what was wrong, and exits 2 for the client
 * commands, 125 for the others.
 */
export async function runCli(argv: readonly string[]): Promise<void> {
  const cli = createCli(await loadCommands(argv));
  let command;
  try {
    command = cli.process([...argv], Cli.defaultContext);
  } catch (error) {
    process.stderr.write(`bst-cas-run: ${parseErrorLine(error, argv)}\n`);
    process.exitCode = clientUsageStatus(argv) ?? ExitStatus.toolFailure;
    return;
  }
  process.exitCode = await cli.run(command, Cli.defaultContext);
}
