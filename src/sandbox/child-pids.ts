// Lists a process's children from /proc, to reach the command under bwrap's sandbox init.
import { readFileSync } from "node:fs";

/**
 * The pids of `pid`'s children, or [] when /proc cannot tell (process gone, no support). One
 * small read from /proc, made synchronously so that a run does not load node:fs/promises for it.
 */
export function childPids(pid: number): number[] {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8");
    return text.split(/\s+/).filter((word) => word !== "").map(Number);
  } catch {
    return [];
  }
}
