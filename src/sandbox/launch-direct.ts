// Runs the command straight on the host (--sandbox none), forwarding signals to it.
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { ExitStatus, ToolError } from "../run/tool-error.js";
import { FORWARDED_SIGNALS } from "./launch-sandbox.js";

/** Runs `command` in `cwd` with `env` and resolves with its exit status (128+N after signal N). */
export async function launchDirect(command: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
  const [program, ...args] = command;
  const child = spawn(program ?? "", args, { stdio: "inherit", cwd, env });
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  try {
    const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", (code, signal) => resolve({ code, signal }));
    }).catch((error: NodeJS.ErrnoException) => {
      const status = error.code === "ENOENT" ? ExitStatus.notFound : ExitStatus.cannotRun;
      throw new ToolError(`${program}: ${error.message}`, status, { cause: error });
    });
    if (ended.signal !== null) return 128 + (constants.signals[ended.signal] ?? 0);
    return ended.code ?? ExitStatus.toolFailure;
  } finally {
    for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
  }
}
