// The exit statuses of the client commands (cas, ac, capabilities), and the error that carries one.
import { ToolError } from "../run/tool-error.js";

/**
 * Exit statuses of `cas ...`, `ac ...` and `capabilities`. Scripts branch on these, so they
 * are part of the interface: README.md and the man page list them.
 */
export const ClientStatus = {
  /** Done; the blob, tree or action result was found. */
  ok: 0,
  /** Not found: a blob or action result is missing (`cas missing`: some are). */
  notFound: 1,
  /** The command line is wrong, or no server is configured. */
  usage: 2,
  /** The server could not be reached or failed, or a local file could not be read or written. */
  failure: 3,
  /** The server refused the call (PERMISSION_DENIED, UNAUTHENTICATED): its policy forbids it. */
  refused: 4,
  /** Data from the server did not match its digest. */
  corrupt: 5,
} as const;

/** A usage error: bad argument or missing configuration (exit 2). */
export function usageError(message: string): ToolError {
  return new ToolError(message, ClientStatus.usage);
}

/** A "not found" outcome (exit 1). */
export function notFoundError(message: string): ToolError {
  return new ToolError(message, ClientStatus.notFound);
}

/** Data that failed verification against its digest (exit 5). */
export function corruptError(message: string): ToolError {
  return new ToolError(message, ClientStatus.corrupt);
}

/** A local or protocol failure (exit 3). */
export function failureError(message: string, cause?: unknown): ToolError {
  return new ToolError(message, ClientStatus.failure, cause === undefined ? undefined : { cause });
}
