// Checks of option values that need more than a type: each failure names the option and value.
import { isAbsolute, normalize } from "node:path";
import { MAX_SOCKET_PATH_BYTES } from "../run/private-dir.js";
import { ToolError } from "../run/tool-error.js";

/** Throws unless `path` is a normalized absolute path that fits in sun_path. */
export function checkSocketPath(path: string): void {
  if (!isAbsolute(path) || normalize(path) !== path || path.endsWith("/")) {
    throw new ToolError(`--socket-path must be a normalized absolute path, got ${JSON.stringify(path)}`);
  }
  if (path === "/" || !/^\/(run|tmp)\//.test(path)) {
    throw new ToolError(`--socket-path must lie under /run or /tmp (private in the sandbox), got ${JSON.stringify(path)}`);
  }
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new ToolError(`--socket-path is ${Buffer.byteLength(path)} bytes, over the ${MAX_SOCKET_PATH_BYTES} a UNIX socket path may have`);
  }
}
