// Maps a path inside the sandbox to the host path that backs it, as bwrap will mount it.
import { lstatSync, readlinkSync } from "node:fs";
import { isAbsolute, join, posix, relative } from "node:path";
import { orderedMounts, type SandboxSpec } from "./bwrap-args.js";

/** One layer of the sandbox's filesystem: `destination` inside shows `source` on the host, or nothing (tmpfs). */
interface Layer {
  readonly destination: string;
  readonly source: string | undefined;
}

/** A function from sandbox paths to host paths; undefined where the sandbox shows fresh, empty storage. */
export type SandboxView = (sandboxPath: string) => string | undefined;

/** The identity view: the sandbox sees the host as it is (--sandbox none). */
export const HOST_VIEW: SandboxView = (path) => path;

/** The view bwrap builds from `spec` (same mounts, same order as buildBwrapArgs). */
export function sandboxView(spec: Pick<SandboxSpec, "root" | "cwd" | "mounts" | "tmpfs">): SandboxView {
  const layers: Layer[] = [
    { destination: "/", source: spec.root },
    { destination: "/tmp", source: undefined },
    { destination: "/run", source: undefined },
  ];
  if (spec.root === "/" && spec.cwd !== "/") layers.push({ destination: spec.cwd, source: spec.cwd });
  for (const entry of orderedMounts(spec)) {
    layers.push(entry.kind === "tmpfs" ? { destination: entry.destination, source: undefined } : { destination: entry.mount.destination, source: entry.mount.source });
  }
  return (path) => {
    for (let at = layers.length - 1; at >= 0; at--) {
      const layer = layers[at] as Layer;
      const rest = relative(layer.destination, path);
      if (rest === ".." || rest.startsWith("../") || isAbsolute(rest)) continue;
      return layer.source === undefined ? undefined : join(layer.source, rest);
    }
    return undefined;
  };
}

/** How many symbolic links a path may pass through, as the kernel allows (MAXSYMLINKS). */
const MAX_SYMLINKS = 40;

/**
 * The host path behind `path` once every symbolic link on the way is followed as the kernel
 * will follow it inside the sandbox: an absolute target from the sandbox's root, not the host's
 * (a sysroot's `/lib64/ld-linux-x86-64.so.2 -> /lib/x86_64-linux-gnu/...` must be looked for in
 * the sysroot). Undefined when something on the way is missing, a link loop, or fresh storage.
 */
export function resolveInView(path: string, view: SandboxView): string | undefined {
  const parts = path.split("/");
  let resolved = "/";
  let hops = 0;
  while (parts.length > 0) {
    const part = parts.shift() as string;
    if (part === "" || part === ".") continue;
    if (part === "..") {
      resolved = posix.dirname(resolved);
      continue;
    }
    const next = posix.join(resolved, part);
    const host = view(next);
    if (host === undefined) return undefined;
    let target: string;
    try {
      if (!lstatSync(host).isSymbolicLink()) {
        resolved = next;
        continue;
      }
      target = readlinkSync(host);
    } catch {
      return undefined;
    }
    if (++hops > MAX_SYMLINKS) return undefined;
    parts.unshift(...target.split("/"));
    if (target.startsWith("/")) resolved = "/";
  }
  return view(resolved);
}
