// Capabilities: what this socket serves, told truthfully from the policy and the limits.
import {
  Capabilities,
  DigestFunction_Value,
  SymlinkAbsolutePathStrategy_Value,
} from "../gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { checkInstanceName } from "../policy/instance-name.js";
import type { ServerContext } from "./server-context.js";
import type { ReapiRouter } from "./unary-routes.js";

/** Registers GetCapabilities. */
export function registerCapabilitiesService(router: ReapiRouter, server: ServerContext): void {
  router.unary(Capabilities.method.getCapabilities, (request) => {
    checkInstanceName(request.instanceName, server.instanceName);
    return {
      cacheCapabilities: {
        digestFunctions: [DigestFunction_Value.SHA256],
        actionCacheUpdateCapabilities: {
          updateEnabled: server.flags.actionCacheUpdate && (server.backendCapabilities?.actionCacheUpdate ?? true),
        },
        maxBatchTotalSizeBytes: BigInt(server.limits.maxBatchTotalSizeBytes),
        symlinkAbsolutePathStrategy: SymlinkAbsolutePathStrategy_Value.ALLOWED,
        ...(server.limits.maxBlobSizeBytes < Number.MAX_SAFE_INTEGER
          ? { maxCasBlobSizeBytes: BigInt(server.limits.maxBlobSizeBytes) }
          : {}),
      },
      executionCapabilities: {
        digestFunction: DigestFunction_Value.SHA256,
        digestFunctions: [DigestFunction_Value.SHA256],
        execEnabled: false,
      },
      lowApiVersion: { major: 2 },
      highApiVersion: { major: 2, minor: 3 },
    };
  });
}
