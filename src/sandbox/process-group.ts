// Signals a process or process group and ends what is left of a group, so a command's children do not outlive the run.
import { readdirSync, readFileSync } from "node:fs";

/** How long the group's processes have between SIGTERM and SIGKILL. */
export const GROUP_GRACE_MS = 2000;
/** How often the group is looked at while it is given time to end. */
const POLL_MS = 50;

/** Sends `signal` (0: none, only check) to every process of group `pgid`; false when the group has no process left. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Sends `signal` to process `pid`, if it is still there. */
export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * True while a process of group `pgid` is still running. A zombie does not count: where pid 1
 * does not reap orphans, a child that already ended stays in the process table as a zombie and
 * would keep `kill(-pgid, 0)` succeeding. /proc is read only when that signal finds someone.
 */
export function groupIsRunning(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return true;
  }
  for (const entry of entries) {
    if (!/^[0-9]+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat !== undefined && stat.pgrp === pgid && stat.state !== "Z" && stat.state !== "X") return true;
  }
  return false;
}

/** The process group of process `pid`, from /proc; undefined when it is gone. */
export function processGroupOf(pid: number): number | undefined {
  return procStat(pid)?.pgrp;
}

/** The parent of process `pid`, from /proc; undefined when it is gone. */
export function parentOf(pid: number): number | undefined {
  return procStat(pid)?.ppid;
}

/** The state, parent and process group of `pid` in /proc/PID/stat; undefined when it cannot be read. */
function procStat(pid: number): { state: string; ppid: number; pgrp: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so start after the last ')'.
  const [state = "", ppid, pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { state, ppid: Number(ppid), pgrp: Number(pgrp) };
}

/**
 * Ends process group `pgid`: SIGTERM to every process in it, then SIGKILL to whatever still
 * runs after `graceMs`. Resolves at once when nothing of the group runs.
 */
export async function endProcessGroup(pgid: number, graceMs: number = GROUP_GRACE_MS): Promise<void> {
  if (!groupIsRunning(pgid)) return;
  signalGroup(pgid, "SIGTERM");
  for (const deadline = Date.now() + graceMs; Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    if (!groupIsRunning(pgid)) return;
  }
  signalGroup(pgid, "SIGKILL");
}
