// Finds what --interactive runs the command under (script(1), and setpriv(1) to tie it to this process), once standard input is known to be a terminal.
import { isatty } from "node:tty";
import { ToolError } from "../run/tool-error.js";
import { findHostProgram } from "./find-host-program.js";

/** What the user is told when there is no script(1) to run, and how to get it. */
export const SCRIPT_MISSING = "--interactive needs script(1), not found: install util-linux's (Debian/Ubuntu: apt-get install bsdutils)";
/** What the user is told when there is no setpriv(1) to run, and how to get it. */
export const SETPRIV_MISSING = "--interactive needs setpriv(1), not found: install util-linux's (Debian/Ubuntu: apt-get install util-linux)";

/** The paths of the two util-linux programs --interactive runs. */
export interface TerminalTools {
  /** script(1): makes the command's pseudo-terminal and relays it to the user's. */
  readonly script: string;
  /** setpriv(1): has script ended when this process dies, as bwrap's --die-with-parent does for bwrap. */
  readonly setpriv: string;
}

/**
 * The paths of `script` and `setpriv` on `path` (this process's PATH by default, as for bwrap).
 * Throws a {@link ToolError} (125) when standard input is not a terminal (`onTerminal` false:
 * there is nothing to relay) or when either program is missing.
 */
export function findTerminalTools(path: string = process.env["PATH"] ?? "", cwd: string = process.cwd(), onTerminal: boolean = isatty(0)): TerminalTools {
  if (!onTerminal) throw new ToolError("--interactive needs a terminal on standard input");
  return { script: findHostProgram("script", SCRIPT_MISSING, path, cwd), setpriv: findHostProgram("setpriv", SETPRIV_MISSING, path, cwd) };
}
