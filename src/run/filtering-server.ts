// Opens the backend and starts the filtering server on a socket: the part `run` and `serve` share.
import { openLocalStore } from "../backend/local/local-store.js";
import type { Backend, BackendCapabilities } from "../backend/backend.js";
import { startReapiServer, type ListenAddress, type ReapiServer } from "../server/reapi-server.js";
import { DEFAULT_LIMITS, effectiveLimits } from "../server/server-context.js";
import { startObservation } from "./observation.js";
import type { ServerSettings } from "./run-options.js";
import { ToolError } from "./tool-error.js";

/** A running server with its backend; `close` undoes everything, in order. */
export interface FilteringServer {
  readonly server: ReapiServer;
  /** Stops the server, closes the backend, writes the statistics. */
  close(): Promise<void>;
}

/** What else starting a server may be given. */
export interface StartOptions {
  /** A bearer token every call must present. */
  readonly requiredToken?: string;
  /** Ends the start (the wait for an upstream's answer) at once when it aborts, with its reason. */
  readonly signal?: AbortSignal;
}

/** Opens the embedded store or the upstream, then starts the server at `listen`. */
export async function startFilteringServer(settings: ServerSettings, listen: ListenAddress, options: StartOptions = {}): Promise<FilteringServer> {
  const { requiredToken, signal } = options;
  const { backend, capabilities } = await openBackend(settings, signal);
  let observation;
  try {
    observation = await startObservation(settings.observability, process.stderr);
  } catch (error) {
    await backend.close();
    throw error;
  }
  let server: ReapiServer;
  try {
    server = await startReapiServer({
      listen,
      ...(requiredToken !== undefined ? { requiredToken } : {}),
      backend,
      flags: settings.policy,
      instanceName: settings.instanceName,
      limits: effectiveLimits({ ...DEFAULT_LIMITS, maxBlobSizeBytes: settings.maxBlobSizeBytes }, capabilities),
      ...(capabilities !== undefined ? { backendCapabilities: capabilities } : {}),
      ...(observation.observe !== undefined ? { observe: observation.observe } : {}),
    });
  } catch (error) {
    await backend.close();
    await observation.finish();
    throw new ToolError(`cannot start the server: ${(error as Error).message}`, undefined, { cause: error });
  }
  const finish = observation.finish;
  return {
    server,
    close: async () => {
      try {
        await server.close();
      } finally {
        await backend.close();
        await finish();
      }
    },
  };
}

/** The backend the settings name; the upstream's code (its HTTP/2 client among it) is loaded only for an upstream. */
async function openBackend(settings: ServerSettings, signal: AbortSignal | undefined): Promise<{ backend: Backend; capabilities?: BackendCapabilities }> {
  if (settings.remote !== undefined) {
    const { openRemoteBackend } = await import("../backend/remote/open-remote-backend.js");
    return openRemoteBackend(settings.remote, signal);
  }
  const backend = await openLocalStore(settings.cacheDir).catch((error: Error) => {
    throw new ToolError(`cannot use the cache directory ${settings.cacheDir}: ${error.message}`, undefined, { cause: error });
  });
  if (settings.cacheQuotaBytes !== undefined) await backend.enableQuota(settings.cacheQuotaBytes, settings.protectUsedBlobsForMs);
  return { backend };
}
