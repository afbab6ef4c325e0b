// Entry point: runs the process's command line, the common shape of a run without loading clipanion.
import { executeRun } from "./execute-run.js";
import { parseRunArgv } from "./run-argv.js";

/**
 * Runs the command line `argv`. A run written as `[--option ...] -- <cmd>` starts at once and
 * exits with the command's status; any other line goes to clipanion's parser, which is about
 * 30 ms of building its state machine (see bench/NOTES.md), gives the same result, and sets the
 * process's exit status.
 */
export async function main(argv: readonly string[]): Promise<void> {
  const run = parseRunArgv(argv);
  if (run !== undefined) {
    const status = await executeRun(run.flags, run.command, process.stderr);
    // Everything is closed and removed by now, and stderr is synchronous: exiting here skips
    // freeing the heap page by page on the way out, which a natural exit does (2-4 ms of a run).
    process.exit(status);
  }
  const { loadClipanionCli } = await import("../on-demand.js");
  await (await loadClipanionCli()).runCli(argv);
}
