// ActionCache: GetActionResult always, UpdateActionResult only when the policy allows it.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { ActionCache, ActionResultSchema } from "../gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { checkDigestFunction, formatDigest, parseDigest } from "../policy/digest.js";
import { checkInstanceName } from "../policy/instance-name.js";
import { backendForHandler } from "./request-metadata.js";
import type { ServerContext } from "./server-context.js";
import { toConnectError } from "./status-of.js";

/** Registers GetActionResult, and UpdateActionResult when `--action-cache-enable-update` is on. */
export function registerActionCacheService(router: ConnectRouter, server: ServerContext): void {
  const methods = ActionCache.method;

  router.rpc(methods.getActionResult, async (request, context) => {
    checkInstanceName(request.instanceName, server.instanceName);
    checkDigestFunction(request.digestFunction);
    const actionDigest = parseDigest(request.actionDigest, "action_digest");
    const result = await backendForHandler(server, context).getActionResult(actionDigest, context.signal).catch((error: unknown) => {
      throw toConnectError(error);
    });
    if (result === undefined) {
      throw new ConnectError(`no action result for ${formatDigest(actionDigest)}`, Code.NotFound);
    }
    return result;
  });

  if (!server.flags.actionCacheUpdate) return;
  router.rpc(methods.updateActionResult, async (request, context) => {
    checkInstanceName(request.instanceName, server.instanceName);
    checkDigestFunction(request.digestFunction);
    const actionDigest = parseDigest(request.actionDigest, "action_digest");
    const result = request.actionResult ?? create(ActionResultSchema);
    // A full disk is RESOURCE_EXHAUSTED, not an unknown error.
    await backendForHandler(server, context).updateActionResult(actionDigest, result, context.signal).catch((error: unknown) => {
      throw toConnectError(error);
    });
    return result;
  });
}
