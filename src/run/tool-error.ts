// The error type for failures the tool reports in one line with a chosen exit status.

/** Exit statuses of the tool's own failures, as env(1) and container runtimes use them. */
export const ExitStatus = {
  /** The tool itself failed (bad option, server or sandbox could not start). */
  toolFailure: 125,
  /** The command was found but cannot be run. */
  cannotRun: 126,
  /** The command was not found. */
  notFound: 127,
} as const;

/**
 * Marks a ToolError. A symbol of the global registry, not `instanceof`: the run path and the
 * parts loaded on demand are separate bundles (scripts/build.js), each with its own copy of this
 * class, and an error thrown by one is reported by the other.
 */
const TOOL_ERROR = Symbol.for("bst-cas-run.ToolError");

/** A failure to report as `bst-cas-run: <message>` and exit with `exitStatus`. */
export class ToolError extends Error {
  override readonly name = "ToolError";
  readonly [TOOL_ERROR] = true;

  constructor(
    message: string,
    readonly exitStatus: number = ExitStatus.toolFailure,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** True for a {@link ToolError}, whichever of the program's bundles made it. */
export function isToolError(error: unknown): error is ToolError {
  return typeof error === "object" && error !== null && (error as { [TOOL_ERROR]?: unknown })[TOOL_ERROR] === true;
}
