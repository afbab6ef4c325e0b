// What every service handler of the filtering server shares: backend, policy and limits.
import type { Backend, BackendCapabilities } from "../backend/backend.js";
import type { PolicyFlags } from "../policy/method-table.js";

/** Limits the server enforces and advertises. */
export interface ServerLimits {
  /** Largest total of blob bytes in one BatchUpdateBlobs or BatchReadBlobs call. */
  readonly maxBatchTotalSizeBytes: number;
  /** Largest blob accepted at all. */
  readonly maxBlobSizeBytes: number;
}

/** The default limits: batches that fit a 4 MiB gRPC message with room for framing. */
export const DEFAULT_LIMITS: ServerLimits = {
  maxBatchTotalSizeBytes: 4 * 1024 * 1024 - 64 * 1024,
  maxBlobSizeBytes: Number.MAX_SAFE_INTEGER,
};

/** The state handlers read; one per server. */
export interface ServerContext {
  readonly backend: Backend;
  readonly flags: PolicyFlags;
  /** The one instance name the sandboxed client may use. */
  readonly instanceName: string;
  readonly limits: ServerLimits;
  /** What the backend reported at start (upstreams); absent for the embedded store. */
  readonly backendCapabilities?: BackendCapabilities;
}

/** The limits to enforce: ours, narrowed by what the backend can take. */
export function effectiveLimits(ours: ServerLimits, backend: BackendCapabilities | undefined): ServerLimits {
  return {
    maxBatchTotalSizeBytes: Math.min(ours.maxBatchTotalSizeBytes, backend?.maxBatchTotalSizeBytes ?? Number.MAX_SAFE_INTEGER),
    maxBlobSizeBytes: Math.min(ours.maxBlobSizeBytes, backend?.maxBlobSizeBytes ?? Number.MAX_SAFE_INTEGER),
  };
}
