// Entry point: runs the process's command line, the common shape of a run without loading clipanion.
import { executeRun } from "./execute-run.js";
import { parseRunArgv } from "./run-argv.js";

/**
 * Runs the command line `argv` and sets the process's exit status. A run written as
 * `[--option ...] -- <cmd>` starts at once; any other line goes to clipanion's parser, which is
 * about 30 ms of building its state machine (see bench/NOTES.md), and gives the same result.
 */
export async function main(argv: readonly string[]): Promise<void> {
  const run = parseRunArgv(argv);
  if (run !== undefined) {
    process.exitCode = await executeRun(run.flags, run.command, process.stderr);
    return;
  }
  const { loadClipanionCli } = await import("../on-demand.js");
  await (await loadClipanionCli()).runCli(argv);
}
