// Runs the command straight on the host (--sandbox none), forwarding signals to it.
import { spawn } from "node:child_process";
import { ExitStatus, ToolError } from "../run/tool-error.js";
import { exitStatusOf, waitForChild } from "./child-exit.js";

/** Runs `command` in `cwd` with `env` and resolves with its exit status (128+N after signal N). */
export async function launchDirect(command: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
  const [program, ...args] = command;
  const child = spawn(program ?? "", args, { stdio: "inherit", cwd, env });
  const end = await waitForChild(child, (signal) => child.kill(signal)).catch((error: NodeJS.ErrnoException) => {
    const status = error.code === "ENOENT" ? ExitStatus.notFound : ExitStatus.cannotRun;
    throw new ToolError(`${program}: ${error.message}`, status, { cause: error });
  });
  return exitStatusOf(end);
}
