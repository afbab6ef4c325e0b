// How large batches may be, from the server's GetCapabilities answer.
import { Code, ConnectError } from "@connectrpc/connect";
import { DigestFunction_Value, type ServerCapabilities } from "../gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { failureError } from "./exit-status.js";
import type { ReapiClients } from "./reapi-clients.js";

/** What bounds the client's calls. */
export interface TransferLimits {
  /** Budget of one BatchUpdateBlobs or BatchReadBlobs call, counting {@link BATCH_ITEM_OVERHEAD} per blob. */
  readonly maxBatchBytes: number;
  /** Largest blob the server takes (Number.MAX_SAFE_INTEGER when it names none). */
  readonly maxBlobBytes: number;
}

/** Message framing counted for each blob in a batch (digest, field tags, status). */
export const BATCH_ITEM_OVERHEAD = 128;

/**
 * A batch that fits a 4 MiB gRPC message with room for framing: used when the server names
 * no limit, and the most used when it names a larger one (the client reads at most 5 MiB).
 */
export const DEFAULT_MAX_BATCH_BYTES = 4 * 1024 * 1024 - 64 * 1024;

/** The limits `capabilities` imply. */
export function limitsOf(capabilities: ServerCapabilities | undefined): TransferLimits {
  const cache = capabilities?.cacheCapabilities;
  const advertised = Number(cache?.maxBatchTotalSizeBytes ?? 0n);
  const maxBlob = Number(cache?.maxCasBlobSizeBytes ?? 0n);
  return {
    maxBatchBytes: advertised > 0 ? Math.min(advertised, DEFAULT_MAX_BATCH_BYTES) : DEFAULT_MAX_BATCH_BYTES,
    maxBlobBytes: maxBlob > 0 ? maxBlob : Number.MAX_SAFE_INTEGER,
  };
}

/**
 * Asks the server for its capabilities and returns the limits. A server without the
 * Capabilities service gets the defaults; one that lists digest functions without SHA-256
 * is an error (this client hashes with SHA-256 only).
 */
export async function fetchTransferLimits(clients: ReapiClients): Promise<TransferLimits> {
  let capabilities: ServerCapabilities;
  try {
    capabilities = await clients.capabilities.getCapabilities({ instanceName: clients.instanceName });
  } catch (error) {
    if (ConnectError.from(error).code === Code.Unimplemented) return limitsOf(undefined);
    throw error;
  }
  const functions = capabilities.cacheCapabilities?.digestFunctions ?? [];
  if (functions.length > 0 && !functions.includes(DigestFunction_Value.SHA256)) {
    throw failureError(`${clients.serverText} does not take SHA-256 digests, the only ones this client computes`);
  }
  return limitsOf(capabilities);
}
