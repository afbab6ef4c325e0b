// Runs the command under bwrap, forwards signals to it, and reports how it ended.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, unlinkSync } from "node:fs";
import { ExitStatus, ToolError } from "../run/tool-error.js";
import { buildBwrapArgs, type SandboxSpec } from "./bwrap-args.js";
import { readBwrapStatus } from "./bwrap-status.js";
import { exitStatusOf, waitForChild, type SignalSource } from "./child-exit.js";
import { childPids } from "./child-pids.js";
import { diagnoseBwrap } from "./diagnose-bwrap.js";
import { BWRAP_MISSING } from "./find-bwrap.js";
import type { TerminalTools } from "./find-terminal-tools.js";
import { underScript } from "./own-terminal.js";
import { parentOf, processGroupOf, signalGroup, signalProcess } from "./process-group.js";
import { findSignalRestorer, TERMINAL_SIGNALS } from "./terminal-signals.js";

/** Options for {@link launchSandbox}. */
export interface LaunchOptions {
  readonly spec: Omit<SandboxSpec, "statusFd">;
  /** The command's complete environment. */
  readonly env: NodeJS.ProcessEnv;
  /** The bwrap executable's path, as `findBwrap` found it on this tool's own PATH. */
  readonly bwrap: string;
  /** Where bwrap writes its status: a new file name in a private directory, removed before the launch settles. */
  readonly statusPath: string;
  /** The signals to pass on to the command while it runs. */
  readonly signals: SignalSource;
  /** With --interactive, script(1) and setpriv(1): the sandbox runs under script, in a pseudo-terminal of its own. */
  readonly terminal?: TerminalTools;
}

const STATUS_FD = 3;

/**
 * Starts the sandbox and resolves with the command's exit status (128+N when signal N
 * ended it). Throws a {@link ToolError} (125) when bwrap is missing or fails before the
 * command starts. The signals `options.signals` delivers meanwhile go to the command.
 */
export async function launchSandbox(options: LaunchOptions): Promise<number> {
  const { bwrap } = options;
  const ownTerminal = options.terminal !== undefined;
  // In a terminal of its own, bwrap ignores the keys' signals and the command has them back.
  const restorer = ownTerminal ? await findSignalRestorer(bwrap, options.spec.root, options.env) : undefined;
  const command = restorer !== undefined ? [...restorer, ...options.spec.command] : options.spec.command;
  const args = buildBwrapArgs({ ...options.spec, command, statusFd: STATUS_FD, ownTerminal });
  const launch =
    options.terminal !== undefined
      ? underScript(options.terminal, [bwrap, ...args], options.env, restorer !== undefined ? TERMINAL_SIGNALS : [])
      : { file: bwrap, args, env: options.env };
  const statusFd = openSync(options.statusPath, "wx", 0o600);
  try {
    let child: ChildProcess;
    try {
      // Detached: bwrap leads a session and process group of its own, so a signal the terminal
      // sends to this process's group (Ctrl-C) reaches the command once, through this process,
      // and does not also end bwrap, whose death would SIGKILL the sandbox (--die-with-parent).
      // script(1) is not: it stays in the terminal's foreground job, to put it in raw mode, and
      // the terminal then sends no signals; bwrap leads script's pseudo-terminal session, where
      // Ctrl-C reaches the foreground process group: a shell's job, or a command that keeps
      // bwrap's group, while bwrap ignores it (when the root's env(1) can give it back to the
      // command; else it ends bwrap and the sandbox). Ctrl-Z stops only a shell's jobs: bwrap's
      // group has no parent in its session, so the kernel discards stop signals from the terminal.
      child = spawn(launch.file, launch.args, { stdio: ["inherit", "inherit", "inherit", statusFd], env: launch.env, detached: !ownTerminal });
    } finally {
      closeSync(statusFd);
    }
    const launchedPid = child.pid;
    const end = await waitForChild(child, (signal) => forwardSignal(launchedPid, options.statusPath, signal), options.signals).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") {
          // Found by findBwrap a moment ago, and gone since.
          throw new ToolError(BWRAP_MISSING, ExitStatus.toolFailure, { cause: error });
        }
        throw new ToolError(`could not start ${bwrap}: ${error.message}`, ExitStatus.toolFailure, { cause: error });
      },
    );
    const status = readBwrapStatus(options.statusPath);
    // Ended by a signal (one passed on) before the sandbox was set up: the run was stopped, not broken.
    if (status.childPid === undefined && end.signal !== null) return exitStatusOf(end);
    if (status.childPid === undefined) {
      const hint = await diagnoseBwrap(bwrap, options.env);
      throw new ToolError(`the sandbox could not be set up (bwrap exited with status ${end.code ?? end.signal})${hint ? `: ${hint}` : ""}`);
    }
    // bwrap reports the command's status (128+N after signal N); without it, bwrap's own end.
    return status.exitCode ?? exitStatusOf(end);
  } finally {
    unlinkSync(options.statusPath);
  }
}

/**
 * Sends `signal` to the command's process group (the session bwrap --new-session made, or one
 * the command made for itself), found through the sandbox init's child; before the sandbox is
 * set up, to the process launched (bwrap, or script). Each process gets the signal once; the
 * sandbox init has no handler, and ignores it.
 */
function forwardSignal(launchedPid: number | undefined, statusPath: string, signal: NodeJS.Signals): void {
  let childPid: number | undefined;
  try {
    childPid = readBwrapStatus(statusPath).childPid;
  } catch {
    // Unreadable: the process launched gets the signal, as before the sandbox is set up.
  }
  const commands = childPid !== undefined ? childPids(childPid) : [];
  if (childPid === undefined || commands.length === 0) {
    if (launchedPid !== undefined) signalProcess(launchedPid, signal);
    return;
  }
  // bwrap is the sandbox init's parent; its group is the command's too when they share a terminal session.
  const bwrapPid = parentOf(childPid);
  const bwrapGroup = bwrapPid !== undefined ? processGroupOf(bwrapPid) : undefined;
  const signalled = new Set<number>();
  for (const pid of commands) {
    // Never bwrap's own group: bwrap ended by the signal would SIGKILL the sandbox.
    const found = processGroupOf(pid);
    const pgid = found === bwrapGroup ? undefined : found;
    if (pgid !== undefined && signalled.has(pgid)) continue;
    if (pgid !== undefined && signalGroup(pgid, signal)) signalled.add(pgid);
    else signalProcess(pid, signal);
  }
}
