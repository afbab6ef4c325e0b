// Finds the bwrap executable on this tool's own PATH, never on the PATH given to the command.
import { findHostProgram } from "./find-host-program.js";

/** What the user is told when there is no bwrap to run, and how to get it. */
export const BWRAP_MISSING = "bwrap not found: install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap)";

/**
 * The path of `bwrap` on `path` (this process's PATH by default): the command's PATH, which
 * --setenv, --unsetenv and --clearenv change, decides where the command is looked for in the
 * sandbox, not where the sandbox itself comes from. Throws a {@link ToolError} (125) naming
 * the fix when there is no bwrap to run.
 */
export function findBwrap(path: string = process.env["PATH"] ?? "", cwd: string = process.cwd()): string {
  return findHostProgram("bwrap", BWRAP_MISSING, path, cwd);
}
