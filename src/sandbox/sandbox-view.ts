// Maps a path inside the sandbox to the host path that backs it, as bwrap will mount it.
import { isAbsolute, join, relative } from "node:path";
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
