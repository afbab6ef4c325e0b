// Builds the bubblewrap command line for one sandboxed run: a pure function, no I/O.
import { posix } from "node:path";

/** A host path made visible in the sandbox. */
export interface Mount {
  readonly source: string;
  readonly destination: string;
  readonly readOnly: boolean;
}

/** How the sandbox is shaped, beyond the defaults. */
export interface SandboxShape {
  /** The directory shown as `/` (read-only); `/` for the host's own root. */
  readonly root: string;
  /** Extra bind mounts, in order, after the defaults. */
  readonly mounts: readonly Mount[];
  /** Extra tmpfs mounts. */
  readonly tmpfs: readonly string[];
  /** Keep the host's network (every other namespace is still unshared). */
  readonly shareNet: boolean;
  /** Where the command starts; the working directory when absent. */
  readonly chdir?: string;
  readonly uid?: number;
  readonly gid?: number;
  readonly hostname?: string;
}

/** Everything the bwrap command line is built from. */
export interface SandboxSpec extends SandboxShape {
  /** The caller's working directory: bound writable at the same path when the root is the host's. */
  readonly cwd: string;
  /** The server's socket on the host. */
  readonly socketHostPath: string;
  /** Where the socket appears inside the sandbox. */
  readonly socketSandboxPath: string;
  /** The command and its arguments. */
  readonly command: readonly string[];
  /** A file descriptor bwrap writes its JSON status lines to (child pid, exit code). */
  readonly statusFd?: number;
  /** The command keeps bwrap's session and its terminal: a pseudo-terminal of its own (--interactive), never the user's. */
  readonly ownTerminal?: boolean;
}

/** The default shape: the host root, nothing extra, no network. */
export const DEFAULT_SANDBOX_SHAPE: SandboxShape = { root: "/", mounts: [], tmpfs: [], shareNet: false };

/** One extra mount in the order bwrap applies it: a host path, or an empty tmpfs. */
export type OrderedMount = { readonly kind: "bind"; readonly mount: Mount } | { readonly kind: "tmpfs"; readonly destination: string };

/**
 * The extra mounts, parents before children (by the depth of their destination), so that a
 * mount never hides one nested inside it whatever order the flags came in. Ties keep the
 * order given, binds before tmpfs.
 */
export function orderedMounts(shape: Pick<SandboxShape, "mounts" | "tmpfs">): OrderedMount[] {
  const all: OrderedMount[] = [
    ...shape.mounts.map((mount) => ({ kind: "bind" as const, mount })),
    ...shape.tmpfs.map((destination) => ({ kind: "tmpfs" as const, destination })),
  ];
  const depth = (entry: OrderedMount): number =>
    posix.normalize(entry.kind === "bind" ? entry.mount.destination : entry.destination).split("/").filter((part) => part !== "").length;
  return all.map((entry, index) => ({ entry, index })).sort((a, b) => depth(a.entry) - depth(b.entry) || a.index - b.index).map(({ entry }) => entry);
}

/** Where the command starts in the sandbox. */
export function sandboxWorkingDir(spec: Pick<SandboxSpec, "root" | "cwd" | "chdir">): string {
  return spec.chdir ?? (spec.root === "/" ? spec.cwd : "/");
}

/**
 * The arguments to give `bwrap`: the root read-only, private /tmp and /run, fresh /dev and
 * /proc, the working directory writable (host root only), the extra mounts, the socket, every
 * namespace unshared (network too unless `shareNet`), the sandbox killed with its parent, and
 * the command in a new session: it has no controlling terminal, so it cannot push input into
 * the caller's terminal with TIOCSTI (and an interactive shell in it has no job control). With
 * `ownTerminal` the command stays in bwrap's session, whose terminal is its own pseudo-terminal.
 * Order matters: later mounts land on top of earlier ones.
 */
export function buildBwrapArgs(spec: SandboxSpec): string[] {
  const args = [
    "--ro-bind", spec.root, "/",
    "--dev", "/dev",
    "--proc", "/proc",
    "--tmpfs", "/tmp",
    "--tmpfs", "/run",
  ];
  if (spec.root === "/" && spec.cwd !== "/") args.push("--bind", spec.cwd, spec.cwd);
  for (const entry of orderedMounts(spec)) {
    if (entry.kind === "tmpfs") args.push("--tmpfs", entry.destination);
    else args.push(entry.mount.readOnly ? "--ro-bind" : "--bind", entry.mount.source, entry.mount.destination);
  }
  args.push("--bind", spec.socketHostPath, spec.socketSandboxPath);
  args.push("--unshare-all");
  if (spec.shareNet) args.push("--share-net");
  if (spec.uid !== undefined || spec.gid !== undefined) args.push("--unshare-user");
  if (spec.uid !== undefined) args.push("--uid", String(spec.uid));
  if (spec.gid !== undefined) args.push("--gid", String(spec.gid));
  if (spec.hostname !== undefined) args.push("--hostname", spec.hostname);
  args.push("--die-with-parent");
  if (spec.ownTerminal !== true) args.push("--new-session");
  args.push("--chdir", sandboxWorkingDir(spec));
  if (spec.statusFd !== undefined) args.push("--json-status-fd", String(spec.statusFd));
  args.push("--", ...spec.command);
  return args;
}
