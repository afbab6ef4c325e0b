// Prints a failure as one line on stderr and picks the exit status.
import type { Writable } from "node:stream";
import { ExitStatus, isToolError } from "../run/tool-error.js";

/** Writes `bst-cas-run: <message>` and returns the status to exit with (125 unless the error names one). */
export function reportFailure(error: unknown, stderr: Writable): number {
  const message = error instanceof Error ? error.message : String(error);
  stderr.write(`bst-cas-run: ${message.split("\n")[0]}\n`);
  return isToolError(error) ? error.exitStatus : ExitStatus.toolFailure;
}
