// ActionCache: GetActionResult always, UpdateActionResult only when the policy allows it.
import { create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { ActionCache, ActionResultSchema } from "../gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { checkDigestFunction, formatDigest, parseDigest } from "../policy/digest.js";
import { checkInstanceName } from "../policy/instance-name.js";
import { backendForCall } from "./request-metadata.js";
import type { ServerContext } from "./server-context.js";
import type { ReapiRouter } from "./unary-routes.js";
import { StatusError, toConnectError } from "./status-of.js";

/** Registers GetActionResult, and UpdateActionResult when `--action-cache-enable-update` is on. */
export function registerActionCacheService(router: ReapiRouter, server: ServerContext): void {
  const methods = ActionCache.method;

  router.unary(methods.getActionResult, async (request, call) => {
    checkInstanceName(request.instanceName, server.instanceName);
    checkDigestFunction(request.digestFunction);
    const actionDigest = parseDigest(request.actionDigest, "action_digest");
    const inline = { stdout: request.inlineStdout, stderr: request.inlineStderr, outputFiles: request.inlineOutputFiles };
    const backend = backendForCall(server.backend, call.requestMetadata);
    const result = await backend.getActionResult(actionDigest, call.signal, inline).catch((error: unknown) => {
      throw toConnectError(error);
    });
    // A miss, the commonest answer of a build's first run: a StatusError, not a ConnectError.
    if (result === undefined) throw new StatusError(Code.NotFound, `no action result for ${formatDigest(actionDigest)}`);
    return result;
  });

  if (!server.flags.actionCacheUpdate) return;
  router.unary(methods.updateActionResult, async (request, call) => {
    checkInstanceName(request.instanceName, server.instanceName);
    checkDigestFunction(request.digestFunction);
    const actionDigest = parseDigest(request.actionDigest, "action_digest");
    const result = request.actionResult ?? create(ActionResultSchema);
    // A full disk is RESOURCE_EXHAUSTED, not an unknown error.
    const priority = request.resultsCachePolicy?.priority;
    await backendForCall(server.backend, call.requestMetadata).updateActionResult(actionDigest, result, call.signal, priority).catch((error: unknown) => {
      throw toConnectError(error);
    });
    return result;
  });
}
