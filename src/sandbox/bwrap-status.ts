// Reads the JSON lines bwrap writes to --json-status-fd, kept in a file: the sandbox init's pid and the exit code.
import { readFileSync } from "node:fs";

/** What bwrap reported about the run. */
export interface BwrapStatus {
  /** Host pid of the sandbox's init process, once bwrap has set the sandbox up. */
  childPid?: number;
  /** The command's exit status (128+N after signal N), once it has ended. */
  exitCode?: number;
}

/**
 * What bwrap has written to the status file at `path` so far; {} when the file is gone. A file,
 * not a pipe: it is read twice at most (when a signal is to be passed on, and once bwrap has
 * ended), where a pipe would need a stream, its decoder and its events on every run.
 */
export function readBwrapStatus(path: string): BwrapStatus {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
  return parseBwrapStatus(text);
}

/** The status in bwrap's JSON lines `text`; a line cut short or not a status record is skipped. */
export function parseBwrapStatus(text: string): BwrapStatus {
  const status: BwrapStatus = {};
  for (const line of text.split("\n")) {
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
  return status;
}
