// Builds the bubblewrap command line for one sandboxed run: a pure function, no I/O.

/** What the sandbox must hold. */
export interface SandboxSpec {
  /** The working directory: writable inside at the same path, and where the command starts. */
  readonly cwd: string;
  /** The server's socket on the host. */
  readonly socketHostPath: string;
  /** Where the socket appears inside the sandbox. */
  readonly socketSandboxPath: string;
  /** The command and its arguments. */
  readonly command: readonly string[];
  /** A file descriptor bwrap writes its JSON status lines to (child pid, exit code). */
  readonly statusFd?: number;
}

/**
 * The arguments to give `bwrap`: the host root read-only, private /tmp and /run, fresh /dev
 * and /proc, the working directory writable, the socket bound in, every namespace unshared
 * (so no network), and the sandbox killed with its parent. Order matters: later mounts land
 * on top of earlier ones.
 */
export function buildBwrapArgs(spec: SandboxSpec): string[] {
  const args = [
    "--ro-bind", "/", "/",
    "--dev", "/dev",
    "--proc", "/proc",
    "--tmpfs", "/tmp",
    "--tmpfs", "/run",
  ];
  if (spec.cwd !== "/") args.push("--bind", spec.cwd, spec.cwd);
  args.push(
    "--bind", spec.socketHostPath, spec.socketSandboxPath,
    "--unshare-all",
    "--die-with-parent",
    "--chdir", spec.cwd,
  );
  if (spec.statusFd !== undefined) args.push("--json-status-fd", String(spec.statusFd));
  args.push("--", ...spec.command);
  return args;
}
