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

/** The error as a `ConnectError`, keeping a `ConnectError`'s own code and mapping errno codes. */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  const errno = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  const code = typeof errno === "string" ? ERRNO_CODES[errno] : undefined;
  return ConnectError.from(error, code ?? Code.Internal);
}

/** The error as a `google.rpc.Status` body, for per-item statuses in batch responses. */
export function statusOf(error: unknown): { code: number; message: string } {
  const connectError = toConnectError(error);
  return { code: connectError.code, message: connectError.rawMessage };
}
