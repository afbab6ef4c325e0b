// Wires the policy to Connect: allowed methods get services, everything else the refusal handler.
import { registerActionCacheService } from "./action-cache-service.js";
import { registerByteStreamService } from "./bytestream-service.js";
import { registerCapabilitiesService } from "./capabilities-service.js";
import { registerCasService } from "./cas-service.js";
import type { ServerContext } from "./server-context.js";
import type { ReapiRouter } from "./unary-routes.js";

/** Registers every method the policy allows under `server.flags`; nothing else is routed. */
export function registerAllowedMethods(router: ReapiRouter, server: ServerContext): void {
  registerCapabilitiesService(router, server);
  registerCasService(router, server);
  registerByteStreamService(router, server);
  registerActionCacheService(router, server);
}
