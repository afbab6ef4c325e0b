// The single instance name the sandboxed client may use.
import { Code, ConnectError } from "@connectrpc/connect";

/** Throws PERMISSION_DENIED unless `requested` is the instance this socket serves. */
export function checkInstanceName(requested: string, served: string): void {
  if (requested !== served) {
    const shown = requested.length > 120 ? `${requested.slice(0, 117)}...` : requested;
    throw new ConnectError(
      `instance name ${JSON.stringify(shown)} is not served here; this socket serves ${JSON.stringify(served)}`,
      Code.PermissionDenied,
    );
  }
}
