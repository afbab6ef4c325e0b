// Runs a parsed run command line: merges the BST_CAS_RUN_* variables, builds the run, and reports a failure as one line.
import type { Writable } from "node:stream";
import { runSandboxed } from "../run/run.js";
import { buildRunOptions } from "./build-run-options.js";
import type { RawSettings } from "./option-table.js";
import { reportFailure } from "./report-failure.js";
import { mergeEnvironment, refuseStoreFlagsWithRemote } from "./settings.js";

/** Runs `command` with the options in `flags` (and the process's environment); resolves to the exit status. */
export async function executeRun(flags: RawSettings, command: readonly string[], stderr: Writable): Promise<number> {
  try {
    const settings = mergeEnvironment(flags, process.env);
    refuseStoreFlagsWithRemote(flags, settings);
    const options = buildRunOptions(settings, command, { cwd: process.cwd(), env: process.env });
    return await runSandboxed(options);
  } catch (error) {
    return reportFailure(error, stderr);
  }
}
