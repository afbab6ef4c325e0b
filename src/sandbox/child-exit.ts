// Waiting for a child process while passing our signals on to it, and turning its end into a status.
import type { ChildProcess } from "node:child_process";
import { constants } from "node:os";
import { ExitStatus } from "../run/tool-error.js";

/** The signals passed on to the command. */
export const FORWARDED_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** How a child ended. */
export interface ChildEnd {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Where a launcher gets the signals to pass on: subscribes `forward` and returns the function that unsubscribes it. */
export type SignalSource = (forward: (signal: NodeJS.Signals) => void) => () => void;

/**
 * Resolves when `child` has ended, calling `forward` for each SIGINT, SIGTERM or SIGHUP that
 * `signals` delivers meanwhile. Rejects with the spawn error when the child could not start.
 */
export async function waitForChild(child: ChildProcess, forward: (signal: NodeJS.Signals) => void, signals: SignalSource): Promise<ChildEnd> {
  const unsubscribe = signals(forward);
  try {
    return await new Promise<ChildEnd>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", (code, signal) => resolve({ code, signal }));
    });
  } finally {
    unsubscribe();
  }
}

/** The shell's view of an end: the exit code, or 128+N for signal N. */
export function exitStatusOf(end: ChildEnd): number {
  if (end.signal !== null) return signalStatus(end.signal);
  return end.code ?? ExitStatus.toolFailure;
}

/** The status of something ended by `signal`: 128+N, as a shell reports it. */
export function signalStatus(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}
