// The single instance name the sandboxed client may use.
import { Code, ConnectError } from "@connectrpc/connect";
import { shownInstanceName } from "./instance-name-rules.js";

/** Throws PERMISSION_DENIED unless `requested` is the instance this socket serves. */
export function checkInstanceName(requested: string, served: string): void {
  if (requested !== served) {
    throw new ConnectError(
      `instance name ${JSON.stringify(shownInstanceName(requested))} is not served here; this socket serves ${JSON.stringify(served)}`,
      Code.PermissionDenied,
    );
  }
}
