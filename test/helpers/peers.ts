// The real buildbox tools: builds (or reuses) the Debian sid root that holds them.
import { fileURLToPath } from "node:url";
import { execa } from "execa";

const BUILD_ROOT = fileURLToPath(new URL("../interop/build-root.sh", import.meta.url));
let root: Promise<string> | undefined;

/**
 * The path of the sid root with buildbox, gcc and make, built on first use (about a minute)
 * and cached outside the clone. Rejects with build-root.sh's message when it cannot be built:
 * interop tests then fail, they are never skipped.
 */
export function sidRoot(): Promise<string> {
  root ??= execa("bash", [BUILD_ROOT], { timeout: 15 * 60_000 }).then(
    (result) => result.stdout.trim().split("\n").pop() ?? "",
    (error: { stderr?: string; message: string }) => {
      throw new Error(`the buildbox sid root could not be built: ${error.stderr?.trim() || error.message}`);
    },
  );
  return root;
}

/** bst-cas-run options that run a command in the sid root with `hostDir` bound writable at `/src`. */
export function inSidRoot(rootPath: string, hostDir: string): string[] {
  return ["--root", rootPath, "--bind", `${hostDir}:/src`, "--chdir", "/src", "--clearenv"];
}
