// Entry point: builds the command line interface and runs it with the process's arguments.
import { Builtins, Cli } from "clipanion";
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

/** The CLI with every command registered. */
export function createCli(): Cli {
  const cli = new Cli({
    binaryLabel: "bst-cas-run",
    binaryName: "bst-cas-run",
    binaryVersion: typeof BST_CAS_RUN_VERSION === "string" ? BST_CAS_RUN_VERSION : "0.0.0-dev",
  });
  cli.register(RunCommand);
  cli.register(ServeCommand);
  cli.register(CasPutCommand);
  cli.register(CasGetCommand);
  cli.register(CasMissingCommand);
  cli.register(AcGetCommand);
  cli.register(AcPutCommand);
  cli.register(CapabilitiesCommand);
  cli.register(StoreStatsCommand);
  cli.register(StoreGcCommand);
  cli.register(StoreVerifyCommand);
  cli.register(Builtins.HelpCommand);
  cli.register(VersionCommand);
  return cli;
}

/** Runs the CLI on `argv` and sets the process's exit status; a command line it cannot parse is a one-line error and 125. */
export async function main(argv: readonly string[]): Promise<void> {
  const cli = createCli();
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
