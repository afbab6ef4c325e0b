// The private (0700) directory that holds the server's socket for one run.
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Creates a fresh directory only the current user can enter: under $XDG_RUNTIME_DIR, else the temp dir. */
export async function createPrivateDir(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const base = env["XDG_RUNTIME_DIR"] || tmpdir();
  const dir = await mkdtemp(join(base, "bst-cas-run-"));
  await chmod(dir, 0o700);
  return dir;
}

/** Removes the directory and what it holds; quiet when it is already gone. */
export async function removePrivateDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
