// Finds the bwrap executable on this tool's own PATH, never on the PATH given to the command.
import { ExitStatus, isToolError, ToolError } from "../run/tool-error.js";
import { resolveCommand } from "./resolve-command.js";

/** What the user is told when there is no bwrap to run, and how to get it. */
export const BWRAP_MISSING = "bwrap not found: install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap)";

/**
 * The path of `bwrap` on `path` (this process's PATH by default): the command's PATH, which
 * --setenv, --unsetenv and --clearenv change, decides where the command is looked for in the
 * sandbox, not where the sandbox itself comes from. Throws a {@link ToolError} (125) naming
 * the fix when there is no bwrap to run.
 */
export function findBwrap(path: string = process.env["PATH"] ?? "", cwd: string = process.cwd()): string {
  try {
    return resolveCommand("bwrap", path, cwd);
  } catch (error) {
    if (isToolError(error) && error.exitStatus === ExitStatus.notFound) {
      throw new ToolError(BWRAP_MISSING, ExitStatus.toolFailure, { cause: error });
    }
    throw new ToolError(`cannot run ${(error as Error).message}`, ExitStatus.toolFailure, { cause: error });
  }
}
