// Reads the interpreter a script names on its #! line, to check before running it that the interpreter exists.
import { closeSync, openSync, readSync } from "node:fs";

/** The kernel reads at most this much of a #! line (BINPRM_BUF_SIZE). */
const SHEBANG_MAX_BYTES = 256;

/**
 * The interpreter `file` (a host path) names on its `#!` line, as the kernel reads it: the
 * first word after `#!`; undefined when the file does not start with `#!` or cannot be read.
 * One open and one read of at most 256 bytes.
 */
export function scriptInterpreter(file: string): string | undefined {
  const buffer = Buffer.alloc(SHEBANG_MAX_BYTES);
  let length: number;
  try {
    const fd = openSync(file, "r");
    try {
      length = readSync(fd, buffer, 0, SHEBANG_MAX_BYTES, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  if (length < 2 || buffer[0] !== 0x23 || buffer[1] !== 0x21) return undefined;
  const line = buffer.toString("latin1", 2, length).split("\n")[0] ?? "";
  const interpreter = line.trim().split(/[ \t]/)[0] ?? "";
  return interpreter === "" ? undefined : interpreter;
}
