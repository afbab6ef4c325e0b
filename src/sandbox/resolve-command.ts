// Finds the command before the sandbox starts, so "not found" and "cannot run" get 127 and 126.
import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { ExitStatus, ToolError } from "../run/tool-error.js";
import { HOST_VIEW, type SandboxView } from "./sandbox-view.js";

/**
 * Resolves `command` as execvp will inside the sandbox, through `path` (a PATH value) unless
 * it holds a slash, and returns the sandbox path found. `cwd` is the sandbox's working
 * directory; `view` maps sandbox paths to the host files behind them.
 * Throws a {@link ToolError} with status 127 when nothing is found, 126 when what is found
 * is not an executable file.
 */
export async function resolveCommand(command: string, path: string, cwd: string, view: SandboxView = HOST_VIEW): Promise<string> {
  if (command === "") throw new ToolError("the command is empty", ExitStatus.notFound);
  if (command.includes("/")) {
    const file = isAbsolute(command) ? command : resolve(cwd, command);
    await checkExecutable(view(file), command);
    return file;
  }
  let found: string | undefined;
  for (const dir of path.split(delimiter)) {
    const file = join(dir === "" ? cwd : resolve(cwd, dir), command);
    const hostFile = view(file);
    if (hostFile !== undefined && (await isFile(hostFile))) {
      found ??= hostFile;
      if (await isExecutable(hostFile)) return file;
    }
  }
  if (found !== undefined) await checkExecutable(found, command);
  throw new ToolError(`${command}: command not found`, ExitStatus.notFound);
}

async function checkExecutable(file: string | undefined, shown: string): Promise<void> {
  let info;
  try {
    if (file === undefined) throw new Error("not visible in the sandbox");
    info = await stat(file);
  } catch {
    throw new ToolError(`${shown}: no such file or directory`, ExitStatus.notFound);
  }
  if (!info.isFile()) throw new ToolError(`${shown}: is not a regular file`, ExitStatus.cannotRun);
  if (!(await isExecutable(file))) throw new ToolError(`${shown}: permission denied`, ExitStatus.cannotRun);
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
