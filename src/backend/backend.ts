// The Backend interface: what the filtering server needs from a store, local or upstream.
import type { ActionResult } from "../gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import type { BlobDigest } from "../policy/digest.js";
import type { BlobChunk } from "./blob-chunk.js";

/** The data of a blob, in order, as it arrives. */
export type BlobChunks = AsyncIterable<BlobChunk> | Iterable<BlobChunk>;

/** Options for streaming a blob out of a backend. */
export interface ReadBlobOptions {
  /** First byte to return; 0 when absent. */
  readonly offset?: number;
  /** Most bytes to return; no limit when absent or 0. */
  readonly limit?: number;
  readonly signal: AbortSignal;
}

/**
 * A content-addressable store with an action cache. Every digest handed to a backend has
 * already been validated by the policy layer; backends still verify data against digests.
 * Errors are `ConnectError`s carrying the gRPC code the client should see.
 */
export interface Backend {
  /** The digests among `digests` that the store does not hold. */
  findMissingBlobs(digests: readonly BlobDigest[], signal: AbortSignal): Promise<BlobDigest[]>;
  /** Streams a blob; NOT_FOUND when absent, OUT_OF_RANGE for an offset past its end. */
  readBlob(digest: BlobDigest, options: ReadBlobOptions): AsyncIterable<Uint8Array>;
  /**
   * Stores a blob from a stream of chunks. The blob becomes visible only once its size and
   * hash match `digest`; otherwise INVALID_ARGUMENT and nothing is stored.
   */
  writeBlob(digest: BlobDigest, chunks: BlobChunks, signal: AbortSignal): Promise<void>;
  /**
   * The cached result for an action, or undefined on a miss. `inline` is what the client asked to
   * have inline, which REAPI lets a server leave out: the local store inlines nothing (as
   * buildbox-casd does not, and recc fetches its outputs by digest either way); an upstream is
   * asked as the client asked, and decides.
   */
  getActionResult(actionDigest: BlobDigest, signal: AbortSignal, inline?: InlineRequest): Promise<ActionResult | undefined>;
  /**
   * Caches a result; FAILED_PRECONDITION when it references blobs the store lacks. `priority` is
   * the client's `results_cache_policy.priority`, a hint an upstream is given and the local store
   * has no use for.
   */
  updateActionResult(actionDigest: BlobDigest, result: ActionResult, signal: AbortSignal, priority?: number): Promise<void>;
  /** Releases what the backend holds open. */
  close(): Promise<void>;
  /** What the backend supports, asked once at start; absent for a backend with no limits of its own. */
  capabilities?(signal: AbortSignal): Promise<BackendCapabilities>;
  /** Stores many small blobs in one round trip; one status per item, in order. */
  batchUpdateBlobs?(items: readonly BatchItem[], signal: AbortSignal): Promise<ItemStatus[]>;
  /**
   * Streams a blob as gRPC-framed ReadResponse messages, as an upstream sent them (in batches of
   * the chunks received), for a server to pass on unchanged; errors as `readBlob`. Absent when
   * the backend has no such frames.
   */
  readBlobFrames?(digest: BlobDigest, options: ReadBlobOptions): AsyncIterable<readonly Uint8Array[]>;
  /** Reads many small blobs in one round trip; one result per digest, in order. */
  batchReadBlobs?(digests: readonly BlobDigest[], signal: AbortSignal): Promise<BatchReadResult[]>;
  /**
   * This backend with `value` (a client's request-metadata header, base64) sent along with every
   * upstream call it makes. Absent for a backend with no upstream to tell.
   */
  withRequestMetadata?(value: string): Backend;
}

/** What a GetActionResult asks to have inline: REAPI's `inline_stdout`, `inline_stderr` and `inline_output_files`. */
export interface InlineRequest {
  readonly stdout: boolean;
  readonly stderr: boolean;
  /** Paths of output files, as the result names them. */
  readonly outputFiles: readonly string[];
}

/** Limits and switches a backend reports. */
export interface BackendCapabilities {
  /** Largest batch the backend takes, when it has a limit. */
  readonly maxBatchTotalSizeBytes?: number;
  /** Largest blob the backend takes, when it has a limit. */
  readonly maxBlobSizeBytes?: number;
  /** Whether the backend's action cache takes updates. */
  readonly actionCacheUpdate: boolean;
}

/** A blob to store in a batch. */
export interface BatchItem {
  readonly digest: BlobDigest;
  readonly data: Uint8Array;
}

/** The outcome for one item of a batch, as a google.rpc.Status body (code 0 is OK). */
export interface ItemStatus {
  readonly code: number;
  readonly message: string;
}

/** One blob read in a batch: its data when the status is OK. */
export interface BatchReadResult {
  readonly status: ItemStatus;
  readonly data?: Uint8Array;
}
