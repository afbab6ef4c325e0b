// The private (0700) directory that holds the server's socket for one run.
import { chmodSync, mkdtempSync, readdirSync, rmdirSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ToolError } from "./tool-error.js";

/** Longest path a UNIX socket address holds (sun_path is 108 bytes with its NUL). */
export const MAX_SOCKET_PATH_BYTES = 107;
const PREFIX = "bst-cas-run-";
/** What mkdtemp appends to the prefix. */
const RANDOM_SUFFIX_LENGTH = 6;

/**
 * Creates a fresh directory only the current user can enter, in the first of $XDG_RUNTIME_DIR,
 * the temp dir and /tmp where `socketName` inside it still fits in a socket address. Synchronous,
 * like the other checks a run makes before its command starts.
 */
export function createPrivateDir(socketName: string, env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [env["XDG_RUNTIME_DIR"], tmpdir(), "/tmp"].filter((dir): dir is string => Boolean(dir));
  const fits = (base: string): boolean =>
    Buffer.byteLength(join(base, PREFIX + "x".repeat(RANDOM_SUFFIX_LENGTH), socketName)) <= MAX_SOCKET_PATH_BYTES;
  const base = candidates.find(fits);
  if (base === undefined) {
    throw new ToolError(`no directory for the socket gives a path short enough for a UNIX socket (tried ${candidates.join(", ")})`);
  }
  const dir = mkdtempSync(join(base, PREFIX));
  chmodSync(dir, 0o700);
  return dir;
}

/**
 * Removes the directory and the files it holds (a run puts no subdirectory there); quiet when
 * it is already gone. Synchronous: a few calls, where node:fs's recursive `rm` would load its
 * tree walker and start the thread pool at the end of every run.
 */
export function removePrivateDir(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  for (const name of names) unlinkSync(join(dir, name));
  rmdirSync(dir);
}
