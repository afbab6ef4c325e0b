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

/**
 * Resolves when `child` has ended, calling `forward` for each SIGINT, SIGTERM or SIGHUP this
 * process receives meanwhile. Rejects with the spawn error when the child could not start.
 */
export async function waitForChild(child: ChildProcess, forward: (signal: NodeJS.Signals) => void): Promise<ChildEnd> {
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  try {
    return await new Promise<ChildEnd>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", (code, signal) => resolve({ code, signal }));
    });
  } finally {
    for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
  }
}

/** The shell's view of an end: the exit code, or 128+N for signal N. */
export function exitStatusOf(end: ChildEnd): number {
  if (end.signal !== null) return 128 + (constants.signals[end.signal] ?? 0);
  return end.code ?? ExitStatus.toolFailure;
}
