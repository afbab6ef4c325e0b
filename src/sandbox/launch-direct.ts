// Runs the command straight on the host (--sandbox none) in a process group of its own, forwarding signals to the group.
import { spawn } from "node:child_process";
import { execFailure } from "./exec-failure.js";
import { exitStatusOf, waitForChild, type SignalSource } from "./child-exit.js";
import { endProcessGroup, signalGroup } from "./process-group.js";

/**
 * Runs `command` in `cwd` with `env` and resolves with its exit status (128+N after signal N).
 * The command leads a new session and process group (it has no controlling terminal): the
 * signals `signals` delivers go to the whole group, and once the command has ended whatever it left
 * running in its group gets SIGTERM, then SIGKILL, before this settles.
 */
export async function launchDirect(command: readonly string[], cwd: string, env: NodeJS.ProcessEnv, signals: SignalSource): Promise<number> {
  const [program, ...args] = command;
  const child = spawn(program ?? "", args, { stdio: "inherit", cwd, env, detached: true });
  const pgid = child.pid;
  const end = await waitForChild(child, (signal) => {
    if (pgid !== undefined) signalGroup(pgid, signal);
  }, signals).catch((error: NodeJS.ErrnoException) => {
    throw execFailure(program ?? "", error);
  });
  if (pgid !== undefined) await endProcessGroup(pgid);
  return exitStatusOf(end);
}
