// One-line failure messages and exit statuses for the client commands (cas, ac, capabilities).
import type { Writable } from "node:stream";
import { Code, ConnectError } from "@connectrpc/connect";
import { ClientStatus } from "../client/exit-status.js";
import { isToolError } from "../run/tool-error.js";

/** gRPC codes that mean "the server's policy says no". */
const REFUSALS: ReadonlySet<Code> = new Set([Code.PermissionDenied, Code.Unauthenticated]);

/**
 * Writes `bst-cas-run: <command>: <message>` and returns the exit status: a ToolError's own,
 * 1 for NOT_FOUND, 4 for PERMISSION_DENIED and UNAUTHENTICATED, 3 for anything else.
 */
export function reportClientFailure(error: unknown, stderr: Writable, command: string): number {
  let message: string;
  let status: number;
  if (isToolError(error)) {
    message = error.message;
    status = error.exitStatus;
  } else if (error instanceof ConnectError) {
    message = error.code === Code.Unavailable ? `cannot reach the server (UNAVAILABLE): ${error.rawMessage}` : `the server answered ${codeName(error.code)}: ${error.rawMessage}`;
    status = error.code === Code.NotFound ? ClientStatus.notFound : REFUSALS.has(error.code) ? ClientStatus.refused : ClientStatus.failure;
  } else {
    message = error instanceof Error ? error.message : String(error);
    status = ClientStatus.failure;
  }
  stderr.write(`bst-cas-run: ${command}: ${message.split("\n")[0]}\n`);
  return status;
}

/** `PERMISSION_DENIED` for Code.PermissionDenied: the names gRPC documentation and other tools print. */
export function codeName(code: Code): string {
  const name = Code[code] ?? `CODE_${code}`;
  return name.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}
