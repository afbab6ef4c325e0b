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

/** A failure to report as `bst-cas-run: <message>` and exit with `exitStatus`. */
export class ToolError extends Error {
  override readonly name = "ToolError";

  constructor(
    message: string,
    readonly exitStatus: number = ExitStatus.toolFailure,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** True for a {@link ToolError}. */
export function isToolError(error: unknown): error is ToolError {
  return error instanceof ToolError;
}
