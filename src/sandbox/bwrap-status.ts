// Reads the JSON lines bwrap writes to --json-status-fd: the sandbox init's pid and the exit code.
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";

/** What bwrap reported about the run. */
export interface BwrapStatus {
  /** Host pid of the sandbox's init process, once bwrap has set the sandbox up. */
  childPid?: number;
  /** The command's exit status (128+N after signal N), once it has ended. */
  exitCode?: number;
}

/** Follows `stream`, filling `status` as lines arrive; resolves when the stream ends. */
export async function followBwrapStatus(stream: Readable, status: BwrapStatus): Promise<void> {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  for await (const line of lines) {
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof record !== "object" || record === null) continue;
    const { "child-pid": childPid, "exit-code": exitCode } = record as Record<string, unknown>;
    if (typeof childPid === "number") status.childPid = childPid;
    if (typeof exitCode === "number") status.exitCode = exitCode;
  }
}
