// Finds script(1) for --interactive, on this tool's own PATH, once standard input is known to be a terminal.
import { isatty } from "node:tty";
import { ExitStatus, isToolError, ToolError } from "../run/tool-error.js";
import { resolveCommand } from "./resolve-command.js";

/** What the user is told when there is no script(1) to run, and how to get it. */
export const SCRIPT_MISSING = "--interactive needs script(1), not found: install util-linux's (Debian/Ubuntu: apt-get install bsdutils)";

/**
 * The path of `script` on `path` (this process's PATH by default, as for bwrap). Throws a
 * {@link ToolError} (125) when standard input is not a terminal (`onTerminal` false: there is
 * nothing to relay) or when there is no script to run.
 */
export function findScript(path: string = process.env["PATH"] ?? "", cwd: string = process.cwd(), onTerminal: boolean = isatty(0)): string {
  if (!onTerminal) throw new ToolError("--interactive needs a terminal on standard input");
  try {
    return resolveCommand("script", path, cwd);
  } catch (error) {
    if (isToolError(error) && error.exitStatus === ExitStatus.notFound) throw new ToolError(SCRIPT_MISSING, ExitStatus.toolFailure, { cause: error });
    throw new ToolError(`cannot run ${(error as Error).message}`, ExitStatus.toolFailure, { cause: error });
  }
}
