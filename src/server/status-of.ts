// Turns anything thrown by a backend into the gRPC status a client should see.
import { Code, ConnectError } from "@connectrpc/connect";

/** gRPC codes for the filesystem errors a store can meet. */
const ERRNO_CODES: Readonly<Record<string, Code>> = {
  ENOSPC: Code.ResourceExhausted,
  EDQUOT: Code.ResourceExhausted,
  EMFILE: Code.ResourceExhausted,
  ENFILE: Code.ResourceExhausted,
  ENOENT: Code.NotFound,
  EACCES: Code.Internal,
  EPERM: Code.Internal,
  EIO: Code.Internal,
  ABORT_ERR: Code.Canceled,
};

/** A gRPC status: what a call ends with. A `ConnectError` is one, and so is a {@link StatusError}. */
export interface CallStatus {
  readonly code: Code;
  readonly rawMessage: string;
}

/**
 * A gRPC status thrown where a `ConnectError` would be, on the paths a build takes often (a cache
 * miss, a cancelled call). A ConnectError builds a fetch `Headers` for its metadata, and the
 * first `Headers` of a process loads Node's fetch implementation: about 20 ms of a fresh server's
 * first miss. Connect's path turns it into a ConnectError ({@link toConnectError}); the lean gRPC
 * path sends it as it is.
 */
export class StatusError extends Error implements CallStatus {
  constructor(
    readonly code: Code,
    readonly rawMessage: string,
  ) {
    super(rawMessage);
    this.name = "StatusError";
  }
}

/** The error as a `ConnectError`, keeping the code of a ConnectError or a StatusError and mapping errno codes. */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  if (error instanceof StatusError) return new ConnectError(error.rawMessage, error.code, undefined, undefined, error);
  const errno = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  const code = typeof errno === "string" ? ERRNO_CODES[errno] : undefined;
  return ConnectError.from(error, code ?? Code.Internal);
}

/** True when `error` carries its own status: a ConnectError or a StatusError. */
export function isCallStatus(error: unknown): error is ConnectError | StatusError {
  return error instanceof ConnectError || error instanceof StatusError;
}

/** The status `error` stands for: its own ({@link isCallStatus}), else {@link toConnectError}'s. */
export function toCallStatus(error: unknown): CallStatus {
  return isCallStatus(error) ? error : toConnectError(error);
}

/** The error as a `google.rpc.Status` body, for per-item statuses in batch responses. */
export function statusOf(error: unknown): { code: number; message: string } {
  const status = toCallStatus(error);
  return { code: status.code, message: status.rawMessage };
}
