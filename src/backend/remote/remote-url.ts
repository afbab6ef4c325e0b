// Parses --remote: unix:/path, grpc://host:port or grpcs://host:port.
import { isAbsolute } from "node:path";
import { ToolError } from "../../run/tool-error.js";

/** Where the upstream REAPI server listens. */
export type RemoteAddress =
  | { readonly kind: "unix"; readonly path: string; readonly text: string }
  | { readonly kind: "tcp"; readonly host: string; readonly port: number; readonly tls: boolean; readonly text: string };

/** Parses a --remote value; throws a ToolError naming the value when it is not one of the three forms. */
export function parseRemoteUrl(text: string): RemoteAddress {
  if (text.startsWith("unix:")) {
    const path = text.slice("unix:".length).replace(/^\/\/(?=\/)/, "");
    if (!isAbsolute(path)) throw new ToolError(`--remote unix: needs an absolute socket path, got ${JSON.stringify(text)}`);
    return { kind: "unix", path, text };
  }
  const match = /^(grpcs?):\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})\/?$/.exec(text);
  const port = match ? Number(match[3]) : 0;
  if (match === null || port < 1 || port > 65535) {
    throw new ToolError(`--remote must be unix:/path, grpc://host:port or grpcs://host:port, got ${JSON.stringify(text)}`);
  }
  return { kind: "tcp", host: (match[2] as string).replace(/^\[|\]$/g, ""), port, tls: match[1] === "grpcs", text };
}
