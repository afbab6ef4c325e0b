// Checks, before bwrap runs, that every extra mount has a place to land in the sandbox.
import { existsSync } from "node:fs";
import { ToolError } from "../run/tool-error.js";
import type { SandboxSpec } from "./bwrap-args.js";
import { sandboxView } from "./sandbox-view.js";

/**
 * Throws a ToolError for a --bind, --ro-bind or --tmpfs destination that bwrap could not
 * create: one that does not exist in the (read-only) root and is not under /tmp, /run or an
 * earlier tmpfs, where bwrap can make the mount point itself.
 */
export function checkMountPoints(spec: Pick<SandboxSpec, "root" | "cwd" | "mounts" | "tmpfs">): void {
  const destinations = [
    ...spec.mounts.map((mount) => ({ flag: mount.readOnly ? "--ro-bind" : "--bind", path: mount.destination })),
    ...spec.tmpfs.map((path) => ({ flag: "--tmpfs", path })),
  ];
  const view = sandboxView({ ...spec, mounts: [], tmpfs: [] });
  for (const { flag, path } of destinations) {
    const hostPath = view(path);
    if (hostPath !== undefined && !existsSync(hostPath)) {
      throw new ToolError(
        `${flag}: ${path} does not exist in the sandbox's read-only root; use an existing directory, or one under /tmp or /run`,
      );
    }
  }
}
