// Lists a process's children from /proc, to reach the command under bwrap's sandbox init.
import { readFile } from "node:fs/promises";

/** The pids of `pid`'s children, or [] when /proc cannot tell (process gone, no support). */
export async function childPids(pid: number): Promise<number[]> {
  try {
    const text = await readFile(`/proc/${pid}/task/${pid}/children`, "utf8");
    return text.split(/\s+/).filter((word) => word !== "").map(Number);
  } catch {
    return [];
  }
}
