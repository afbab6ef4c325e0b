// Reads the JSON lines bwrap writes to --json-status-fd: the sandbox init's pid and the exit code.
import type { Readable } from "node:stream";

/** What bwrap reported about the run. */
export interface BwrapStatus {
  /** Host pid of the sandbox's init process, once bwrap has set the sandbox up. */
  childPid?: number;
  /** The command's exit status (128+N after signal N), once it has ended. */
  exitCode?: number;
}

/**
 * Follows `stream`, filling `status` as lines arrive; resolves when the stream ends. The lines
 * are split here rather than by node:readline, which a run would otherwise load for these few lines.
 */
export function followBwrapStatus(stream: Readable, status: BwrapStatus): Promise<void> {
  return new Promise((resolve, reject) => {
    let partial = "";
    stream.setEncoding("utf8");
    stream.on("data", (text: string) => {
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) readStatusLine(line, status);
    });
    stream.once("error", reject);
    const finish = () => {
      readStatusLine(partial, status);
      partial = "";
      resolve();
    };
    stream.once("end", finish);
    stream.once("close", finish);
  });
}

function readStatusLine(line: string, status: BwrapStatus): void {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return;
  }
  if (typeof record !== "object" || record === null) return;
  const { "child-pid": childPid, "exit-code": exitCode } = record as Record<string, unknown>;
  if (typeof childPid === "number") status.childPid = childPid;
  if (typeof exitCode === "number") status.exitCode = exitCode;
}
