// Where the embedded store lives by default: $XDG_CACHE_HOME/bst-cas-run.
import { homedir } from "node:os";
import { join } from "node:path";

/** `$XDG_CACHE_HOME/bst-cas-run`, or `~/.cache/bst-cas-run` when XDG_CACHE_HOME is unset. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env["XDG_CACHE_HOME"] || join(homedir(), ".cache");
  return join(base, "bst-cas-run");
}
