// Runs the command straight on the host (--sandbox none) in a process group of its own, forwarding signals to the group.
import { spawn } from "node:child_process";
import { execFailure } from "./exec-failure.js";
import { exitStatusOf, waitForChild, type SignalSource } from "./child-exit.js";
import { childPids } from "./child-pids.js";
import type { TerminalTools } from "./find-terminal-tools.js";
import { underScript } from "./own-terminal.js";
import { endProcessGroup, signalGroup } from "./process-group.js";

/** How often the command under script(1) is looked for until found, so that what it leaves behind can be ended with it. */
const LEADER_LOOKUP_MS = 50;

/**
 * Runs `command` in `cwd` with `env` and resolves with its exit status (128+N after signal N).
 * The command leads a new session and process group (it has no controlling terminal): the
 * signals `signals` delivers go to the whole group, and once the command has ended whatever it left
 * running in its group gets SIGTERM, then SIGKILL, before this settles. With `terminal`
 * (--interactive), the session is script(1)'s pseudo-terminal's, and the command leads it: the
 * signals go to script until the command is seen.
 */
export async function launchDirect(command: readonly string[], cwd: string, env: NodeJS.ProcessEnv, signals: SignalSource, terminal?: TerminalTools): Promise<number> {
  const [program = "", ...args] = command;
  const launch = terminal !== undefined ? underScript(terminal, command, env) : { file: program, args, env };
  // Detached, the command leads a session of its own; under script, script's child leads script's.
  const child = spawn(launch.file, launch.args, { stdio: "inherit", cwd, env: launch.env, detached: terminal === undefined });
  let leader = terminal === undefined ? child.pid : undefined;
  const findLeader = (): number | undefined => (leader ??= child.pid !== undefined ? childPids(child.pid)[0] : undefined);
  const lookup =
    leader === undefined
      ? setInterval(() => {
          if (findLeader() !== undefined) clearInterval(lookup);
        }, LEADER_LOOKUP_MS)
      : undefined;
  try {
    const end = await waitForChild(child, (signal) => {
      const pgid = findLeader();
      if (pgid === undefined || !signalGroup(pgid, signal)) child.kill(signal);
    }, signals).catch((error: NodeJS.ErrnoException) => {
      throw execFailure(launch.file, error);
    });
    if (leader !== undefined) await endProcessGroup(leader);
    return exitStatusOf(end);
  } finally {
    clearInterval(lookup);
  }
}
