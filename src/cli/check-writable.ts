// Checks, before a run starts, that a file the run writes only at its end (--stats-json) can be written there.
import { accessSync, constants, lstatSync, readlinkSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ToolError } from "../run/tool-error.js";
import { errorReason } from "../util/error-reason.js";

/**
 * Throws a one-line ToolError (exit 125) naming `flag` unless `path` (absolute) could be written
 * now: an existing path must be a file, FIFO or device this process may write; a new one needs an
 * existing directory this process may create files in (for a dangling symlink, the directory of
 * its target). What happens to the directory later is
 * not foreseen: the writer still reports its own failure.
 */
export function checkWritableFile(flag: string, path: string): void {
  const refuse = (why: string): never => {
    throw new ToolError(`${flag}: cannot write ${path}: ${why}`);
  };
  let exists = true;
  try {
    const info = statSync(path);
    // A FIFO or a device is written as it is (a pipe to jq, /dev/stdout); a directory or socket cannot be.
    if (info.isDirectory()) refuse("it is a directory");
    if (info.isSocket()) refuse("it is a socket");
  } catch (error) {
    if (error instanceof ToolError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOTDIR") refuse(`${dirname(path)} is not a directory`);
    if (code !== "ENOENT") refuse(errorReason(error));
    exists = false;
  }
  if (exists) {
    mayAccess(path, constants.W_OK, refuse);
    return;
  }
  const target = danglingTarget(path);
  if (target !== undefined) {
    checkWritableFile(flag, target);
    return;
  }
  const dir = dirname(path);
  let isDirectory = false;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    refuse(code === "ENOENT" || code === "ENOTDIR" ? `the directory ${dir} does not exist` : errorReason(error));
  }
  if (!isDirectory) refuse(`${dir} is not a directory`);
  mayAccess(dir, constants.W_OK | constants.X_OK, refuse);
}

/** Where `path` points when it is a symlink to nothing (writing it creates the target), else undefined. */
function danglingTarget(path: string): string | undefined {
  try {
    return lstatSync(path).isSymbolicLink() ? resolve(dirname(path), readlinkSync(path)) : undefined;
  } catch {
    return undefined;
  }
}

function mayAccess(path: string, mode: number, refuse: (why: string) => never): void {
  try {
    accessSync(path, mode);
  } catch (error) {
    refuse(errorReason(error));
  }
}
