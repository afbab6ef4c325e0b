// --interactive in bwrap: the terminal's Ctrl-C and Ctrl-\ go to the command, never to bwrap, whose death would end the sandbox.
import { spawn } from "node:child_process";

/**
 * The signals a terminal sends its foreground process group from the keyboard that end a
 * process by default: SIGINT (Ctrl-C) and SIGQUIT (Ctrl-\). (SIGTSTP, Ctrl-Z, is left alone:
 * the kernel discards it for bwrap's group, which has no parent in its session.)
 */
export const TERMINAL_SIGNALS = ["INT", "QUIT"] as const;

/** env(1) in the sandbox's root, where POSIX puts it. */
const ROOT_ENV = "/usr/bin/env";

/** The longest a probe may take before the root is taken to have no such env(1). */
const PROBE_TIMEOUT_MS = 5000;

/**
 * What to run the command through so that it has the {@link TERMINAL_SIGNALS} back at their
 * default actions, though bwrap (and so everything it starts) ignores them: the root's env(1)
 * with `--default-signal` (GNU coreutils 8.31 or later). A signal ignored across exec stays
 * ignored, and a shell cannot take back one ignored when it started, so only such a program can.
 * Resolves with that command-line prefix after running it once in a bare sandbox over `root`,
 * or `undefined` when the root has no env(1) that does it (then bwrap keeps the signals).
 */
export async function findSignalRestorer(bwrap: string, root: string, env: NodeJS.ProcessEnv): Promise<readonly string[] | undefined> {
  const prefix = [ROOT_ENV, `--default-signal=${TERMINAL_SIGNALS.join(",")}`, "--"];
  const probeArgs = ["--ro-bind", root, "/", "--dev", "/dev", "--proc", "/proc", "--unshare-all", "--die-with-parent", "--", ...prefix, "true"];
  const works = await new Promise<boolean>((resolve) => {
    const probe = spawn(bwrap, probeArgs, { env, stdio: "ignore", timeout: PROBE_TIMEOUT_MS });
    probe.on("error", () => resolve(false));
    probe.on("close", (code) => resolve(code === 0));
  });
  return works ? prefix : undefined;
}
