// Turns the error of a command that could not be started into a one-line ToolError with the shell's status.
import { ExitStatus, ToolError } from "../run/tool-error.js";

/** What each errno of execve means to the user, and the status env(1) would exit with. */
const EXEC_ERRORS: Readonly<Record<string, readonly [status: number, text: string]>> = {
  ENOENT: [ExitStatus.notFound, "no such file or directory"],
  EACCES: [ExitStatus.cannotRun, "permission denied"],
  EPERM: [ExitStatus.cannotRun, "operation not permitted"],
  ENOEXEC: [ExitStatus.cannotRun, "exec format error"],
  EISDIR: [ExitStatus.cannotRun, "is a directory"],
  ENOTDIR: [ExitStatus.cannotRun, "not a directory"],
  ELOOP: [ExitStatus.cannotRun, "too many levels of symbolic links"],
  ETXTBSY: [ExitStatus.cannotRun, "text file busy"],
  E2BIG: [ExitStatus.cannotRun, "argument list too long"],
};

/**
 * The failure to report when `program` could not be started: `<program>: <reason>` with 127
 * for ENOENT, 126 for the other reasons execve gives, and 125 (the tool's own failure) for
 * anything else, such as no memory or processes left to start it with.
 */
export function execFailure(program: string, error: NodeJS.ErrnoException): ToolError {
  const known = error.code === undefined ? undefined : EXEC_ERRORS[error.code];
  if (known !== undefined) return new ToolError(`${program}: ${known[1]}`, known[0], { cause: error });
  return new ToolError(`could not start ${program}: ${error.code ?? error.message}`, ExitStatus.toolFailure, { cause: error });
}
