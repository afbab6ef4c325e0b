// Runs the command under bwrap, forwards signals to it, and reports how it ended.
import { spawn } from "node:child_process";
import type { Readable } from "node:stream";
import { ExitStatus, ToolError } from "../run/tool-error.js";
import { buildBwrapArgs, type SandboxSpec } from "./bwrap-args.js";
import { followBwrapStatus, type BwrapStatus } from "./bwrap-status.js";
import { exitStatusOf, waitForChild } from "./child-exit.js";
import { childPids } from "./child-pids.js";
import { diagnoseBwrap } from "./diagnose-bwrap.js";

/** Options for {@link launchSandbox}. */
export interface LaunchOptions {
  readonly spec: Omit<SandboxSpec, "statusFd">;
  /** The command's complete environment. */
  readonly env: NodeJS.ProcessEnv;
  /** The bwrap executable; `bwrap` on PATH by default. */
  readonly bwrap?: string;
}

const STATUS_FD = 3;

/**
 * Starts the sandbox and resolves with the command's exit status (128+N when signal N
 * ended it). Throws a {@link ToolError} (125) when bwrap is missing or fails before the
 * command starts. SIGINT, SIGTERM and SIGHUP received meanwhile go to the command.
 */
export async function launchSandbox(options: LaunchOptions): Promise<number> {
  const bwrap = options.bwrap ?? "bwrap";
  const args = buildBwrapArgs({ ...options.spec, statusFd: STATUS_FD });
  const child = spawn(bwrap, args, {
    stdio: ["inherit", "inherit", "inherit", "pipe"],
    env: options.env,
  });
  const status: BwrapStatus = {};
  const statusDone = followBwrapStatus(child.stdio[STATUS_FD] as Readable, status);

  const end = await waitForChild(child, (signal) => forwardSignal(child.pid, status, signal)).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") {
        throw new ToolError(`${bwrap} not found: install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap)`, ExitStatus.toolFailure, { cause: error });
      }
      throw new ToolError(`could not start ${bwrap}: ${error.message}`, ExitStatus.toolFailure, { cause: error });
    },
  );
  await statusDone;
  if (status.childPid === undefined) {
    const hint = await diagnoseBwrap(bwrap, options.env);
    throw new ToolError(`the sandbox could not be set up (${bwrap} exited with status ${end.code ?? end.signal})${hint ? `: ${hint}` : ""}`);
  }
  // bwrap reports the command's status (128+N after signal N); without it, bwrap's own end.
  return status.exitCode ?? exitStatusOf(end);
}

/** Sends `signal` to the command: the children of bwrap's sandbox init, or bwrap itself before that. */
function forwardSignal(bwrapPid: number | undefined, status: BwrapStatus, signal: NodeJS.Signals): void {
  const targets = status.childPid !== undefined ? childPids(status.childPid) : [];
  if (targets.length === 0 && bwrapPid !== undefined) targets.push(bwrapPid);
  for (const pid of targets) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}
