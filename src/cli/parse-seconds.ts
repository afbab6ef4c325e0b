// Reads durations given in seconds (10, 2.5) for options that take one.
import { ExitStatus, ToolError } from "../run/tool-error.js";

/**
 * `text` as a positive number of seconds; throws a ToolError naming `flag` and `text`, with
 * `exitStatus`, when it is not one.
 */
export function parseSeconds(flag: string, text: string, exitStatus: number = ExitStatus.toolFailure): number {
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text) || Number(text) <= 0) {
    throw new ToolError(`${flag} takes a positive number of seconds, got ${JSON.stringify(text)}`, exitStatus);
  }
  return Number(text);
}
