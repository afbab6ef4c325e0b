// Finds a program this tool itself runs (bwrap, script, setpriv) on its own PATH, never on the PATH given to the command.
import { ExitStatus, isToolError, ToolError } from "../run/tool-error.js";
import { resolveCommand } from "./resolve-command.js";

/**
 * The path of `program` on `path`, resolved from `cwd`. Throws a {@link ToolError} (125) with
 * `missing`, the message naming the fix, when there is none, and `cannot run ...` when what is
 * found cannot be run.
 */
export function findHostProgram(program: string, missing: string, path: string, cwd: string): string {
  try {
    return resolveCommand(program, path, cwd);
  } catch (error) {
    if (isToolError(error) && error.exitStatus === ExitStatus.notFound) throw new ToolError(missing, ExitStatus.toolFailure, { cause: error });
    throw new ToolError(`cannot run ${(error as Error).message}`, ExitStatus.toolFailure, { cause: error });
  }
}
