// Runs the command under bwrap, forwards signals to it, and reports how it ended.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, unlinkSync } from "node:fs";
import { ExitStatus, ToolError } from "../run/tool-error.js";
import { buildBwrapArgs, type SandboxSpec } from "./bwrap-args.js";
import { readBwrapStatus } from "./bwrap-status.js";
import { exitStatusOf, waitForChild, type SignalSource } from "./child-exit.js";
import { childPids } from "./child-pids.js";
import { diagnoseBwrap } from "./diagnose-bwrap.js";

/** Options for {@link launchSandbox}. */
export interface LaunchOptions {
  readonly spec: Omit<SandboxSpec, "statusFd">;
  /** The command's complete environment. */
  readonly env: NodeJS.ProcessEnv;
  /** The bwrap executable; `bwrap` on PATH by default. */
  readonly bwrap?: string;
  /** Where bwrap writes its status: a new file name in a private directory, removed before the launch settles. */
  readonly statusPath: string;
  /** The signals to pass on to the command while it runs. */
  readonly signals: SignalSource;
}

const STATUS_FD = 3;

/**
 * Starts the sandbox and resolves with the command's exit status (128+N when signal N
 * ended it). Throws a {@link ToolError} (125) when bwrap is missing or fails before the
 * command starts. The signals `options.signals` delivers meanwhile go to the command.
 */
export async function launchSandbox(options: LaunchOptions): Promise<number> {
  const bwrap = options.bwrap ?? "bwrap";
  const args = buildBwrapArgs({ ...options.spec, statusFd: STATUS_FD });
  const statusFd = openSync(options.statusPath, "wx", 0o600);
  try {
    let child: ChildProcess;
    try {
      child = spawn(bwrap, args, { stdio: ["inherit", "inherit", "inherit", statusFd], env: options.env });
    } finally {
      closeSync(statusFd);
    }
    const bwrapPid = child.pid;
    const end = await waitForChild(child, (signal) => forwardSignal(bwrapPid, options.statusPath, signal), options.signals).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") {
          throw new ToolError(`${bwrap} not found: install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap)`, ExitStatus.toolFailure, { cause: error });
        }
        throw new ToolError(`could not start ${bwrap}: ${error.message}`, ExitStatus.toolFailure, { cause: error });
      },
    );
    const status = readBwrapStatus(options.statusPath);
    if (status.childPid === undefined) {
      const hint = await diagnoseBwrap(bwrap, options.env);
      throw new ToolError(`the sandbox could not be set up (${bwrap} exited with status ${end.code ?? end.signal})${hint ? `: ${hint}` : ""}`);
    }
    // bwrap reports the command's status (128+N after signal N); without it, bwrap's own end.
    return status.exitCode ?? exitStatusOf(end);
  } finally {
    unlinkSync(options.statusPath);
  }
}

/** Sends `signal` to the command: the children of bwrap's sandbox init, or bwrap itself before that. */
function forwardSignal(bwrapPid: number | undefined, statusPath: string, signal: NodeJS.Signals): void {
  let childPid: number | undefined;
  try {
    childPid = readBwrapStatus(statusPath).childPid;
  } catch {
    // Unreadable: bwrap itself gets the signal, as before the sandbox is set up.
  }
  const targets = childPid !== undefined ? childPids(childPid) : [];
  if (targets.length === 0 && bwrapPid !== undefined) targets.push(bwrapPid);
  for (const pid of targets) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}
