// Finds the command before the sandbox starts, so "not found" and "cannot run" get 127 and 126.
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { ExitStatus, ToolError } from "../run/tool-error.js";
import { elfInterpreter } from "./elf-interpreter.js";
import { HOST_VIEW, resolveInView, type SandboxView } from "./sandbox-view.js";
import { scriptInterpreter } from "./script-interpreter.js";

/**
 * Resolves `command` as execvp will inside the sandbox, through `path` (a PATH value) unless
 * it holds a slash, and returns the sandbox path found. `cwd` is the sandbox's working
 * directory; `view` maps sandbox paths to the host files behind them.
 * Throws a {@link ToolError} with status 127 when nothing is found, 126 when what is found
 * is not an executable file, or is a script whose #! interpreter is missing or not
 * executable. The checks are synchronous: they run once, before anything else needs the
 * event loop, and a PATH search is a few stat calls.
 */
export function resolveCommand(command: string, path: string, cwd: string, view: SandboxView = HOST_VIEW): string {
  if (command === "") throw new ToolError("the command is empty", ExitStatus.notFound);
  if (command.includes("/")) {
    const file = isAbsolute(command) ? command : resolve(cwd, command);
    checkExecutable(view(file), command);
    checkInterpreter(view(file), command, view);
    return file;
  }
  let found: string | undefined;
  for (const dir of path.split(delimiter)) {
    const file = join(dir === "" ? cwd : resolve(cwd, dir), command);
    const hostFile = view(file);
    if (hostFile !== undefined && isFile(hostFile)) {
      found ??= hostFile;
      if (isExecutable(hostFile)) {
        checkInterpreter(hostFile, command, view);
        return file;
      }
    }
  }
  if (found !== undefined) checkExecutable(found, command);
  throw new ToolError(`${command}: command not found`, ExitStatus.notFound);
}

/**
 * Throws 126 when the file at `hostFile` needs an interpreter that is missing or cannot be run
 * in the sandbox: the one a script names on its #! line, or the loader (PT_INTERP) of a
 * dynamic ELF executable, e.g. one copied into a --root that lacks its libc. The kernel would
 * refuse the file with ENOENT, which would otherwise read as the command itself not being
 * found (or, in the sandbox, as bwrap's exit status 1).
 */
function checkInterpreter(hostFile: string | undefined, shown: string, view: SandboxView): void {
  if (hostFile === undefined) return;
  const script = scriptInterpreter(hostFile);
  const interpreter = script ?? elfInterpreter(hostFile);
  if (interpreter === undefined || !isAbsolute(interpreter)) return;
  const what = script !== undefined ? "bad interpreter" : "missing loader";
  const hostInterpreter = resolveInView(interpreter, view);
  if (hostInterpreter === undefined || !isFile(hostInterpreter)) throw new ToolError(`${shown}: ${what} ${interpreter}: no such file or directory`, ExitStatus.cannotRun);
  if (!isExecutable(hostInterpreter) && script !== undefined) throw new ToolError(`${shown}: ${what} ${interpreter}: permission denied`, ExitStatus.cannotRun);
}

function checkExecutable(file: string | undefined, shown: string): void {
  let info;
  try {
    if (file === undefined) throw new Error("not visible in the sandbox");
    info = statSync(file);
  } catch {
    throw new ToolError(`${shown}: no such file or directory`, ExitStatus.notFound);
  }
  if (!info.isFile()) throw new ToolError(`${shown}: is not a regular file`, ExitStatus.cannotRun);
  if (!isExecutable(file)) throw new ToolError(`${shown}: permission denied`, ExitStatus.cannotRun);
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
