// Entry point: builds the command line interface and runs it with the process's arguments.
import { Builtins, Cli, type BaseContext, type CommandClass } from "clipanion";
import { ExitStatus } from "../run/tool-error.js";
import { AcGetCommand } from "./ac-get-command.js";
import { AcPutCommand } from "./ac-put-command.js";
import { CapabilitiesCommand } from "./capabilities-command.js";
import { clientUsageStatus } from "./cas-client-command.js";
import { CasGetCommand } from "./cas-get-command.js";
import { CasMissingCommand } from "./cas-missing-command.js";
import { CasPutCommand } from "./cas-put-command.js";
import { RunCommand } from "./run-command.js";
import { ServeCommand } from "./serve-command.js";
import { StoreGcCommand } from "./store-gc-command.js";
import { StoreStatsCommand } from "./store-stats-command.js";
import { StoreVerifyCommand } from "./store-verify-command.js";
import { VersionCommand } from "./version-command.js";

/** The program's version, as package.json gives it (replaced at bundle time). */
declare const BST_CAS_RUN_VERSION: string | undefined;

/** Every command, in the order `--help` lists them. */
const COMMANDS: readonly CommandClass<BaseContext>[] = [
  RunCommand,
  ServeCommand,
  CasPutCommand,
  CasGetCommand,
  CasMissingCommand,
  AcGetCommand,
  AcPutCommand,
  CapabilitiesCommand,
  StoreStatsCommand,
  StoreGcCommand,
  StoreVerifyCommand,
  VersionCommand,
];

/**
 * The commands a command line can reach: those whose path starts with its first word, else the
 * run command (which has no path of its own); every command for a bare `--help`. clipanion builds
 * a state machine over all registered commands before parsing, which costs tens of milliseconds
 * on every run; registering only the reachable ones keeps that off `bst-cas-run -- cmd`.
 */
export function reachableCommands(argv: readonly string[]): readonly CommandClass<BaseContext>[] {
  const first = argv[0];
  if (first === undefined || first === "--help" || first === "-h") return COMMANDS;
  const named = COMMANDS.filter((command) => command.paths?.some((path) => path[0] === first) === true);
  return named.length > 0 ? named : [RunCommand];
}

/** The CLI with the commands `argv` can reach registered (every command when `argv` is absent), and help. */
export function createCli(argv?: readonly string[]): Cli {
  const cli = new Cli({
    binaryLabel: "bst-cas-run",
    binaryName: "bst-cas-run",
    binaryVersion: typeof BST_CAS_RUN_VERSION === "string" ? BST_CAS_RUN_VERSION : "0.0.0-dev",
  });
  for (const command of argv === undefined ? COMMANDS : reachableCommands(argv)) cli.register(command);
  cli.register(Builtins.HelpCommand);
  return cli;
}

/** Runs the CLI on `argv` and sets the process's exit status; a command line it cannot parse is a one-line error and 125. */
export async function main(argv: readonly string[]): Promise<void> {
  const cli = createCli(argv);
  let command;
  try {
    command = cli.process([...argv], Cli.defaultContext);
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    process.stderr.write(`bst-cas-run: ${message} (see bst-cas-run --help)\n`);
    process.exitCode = ExitStatus.toolFailure;
    process.exitCode = clientUsageStatus(argv) ?? process.exitCode;
    return;
  }
  process.exitCode = await cli.run(command, Cli.defaultContext);
}
