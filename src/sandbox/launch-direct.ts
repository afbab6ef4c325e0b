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
 * (--interactive), the session is script(1)'s pseudo-terminal's, and the command leads it.
 */
export async function launchDirect(command: readonly string[], cwd: string, env: NodeJS.ProcessEnv, signals: SignalSource, terminal?: TerminalTools): Promise<number> {
  const [program, ...args] = command;
  if (terminal !== undefined) return launchInOwnTerminal(terminal, command, cwd, env, signals);
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

/** {@link launchDirect} under script(1): the signals go to the command's group once script has started it, to script before. */
async function launchInOwnTerminal(terminal: TerminalTools, command: readonly string[], cwd: string, env: NodeJS.ProcessEnv, signals: SignalSource): Promise<number> {
  const launch = underScript(terminal, command, env);
  const child = spawn(launch.file, launch.args, { stdio: "inherit", cwd, env: launch.env });
  // The command leads the pseudo-terminal's session and its first process group: script's child.
  let leader: number | undefined;
  const findLeader = (): number | undefined => (leader ??= child.pid !== undefined ? childPids(child.pid)[0] : undefined);
  const lookup = setInterval(() => {
    if (findLeader() !== undefined) clearInterval(lookup);
  }, LEADER_LOOKUP_MS);
  try {
    const end = await waitForChild(child, (signal) => {
      const pgid = findLeader();
      if (pgid === undefined || !signalGroup(pgid, signal)) child.kill(signal);
    }, signals).catch((error: NodeJS.ErrnoException) => {
      throw execFailure(terminal.setpriv, error);
    });
    if (leader !== undefined) await endProcessGroup(leader);
    return exitStatusOf(end);
  } finally {
    clearInterval(lookup);
  }
}
