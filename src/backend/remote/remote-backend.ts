// A Backend that forwards to an upstream REAPI server (buildbox-casd, BuildGrid, Buildbarn, ...).
import { randomUUID } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  ActionCache,
  Capabilities,
  ContentAddressableStorage,
  DigestFunction_Value,
  type ActionResult,
} from "../../gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { EMPTY_BLOB_DIGEST, formatDigest, parseDigest, toWireDigest, type BlobDigest } from "../../policy/digest.js";
import type {
  Backend,
  BackendCapabilities,
  BatchItem,
  BatchReadResult,
  BlobChunks,
  InlineRequest,
  ItemStatus,
  ReadBlobOptions,
} from "../backend.js";
import { withRetry } from "./retry.js";
import { readFramesFromUpstream, readFromUpstream, writeToUpstream } from "./upstream-bytestream.js";
import type { OpenUpstreamCall, UpstreamCallScope } from "./upstream-call.js";
import { callUpstream, callUpstreamFramed, callUpstreamUnlessNotFound } from "./upstream-unary.js";
import { framedBatchUpdateRequest } from "./batch-update-request.js";

/** FindMissingBlobs requests are split into calls of at most this many digests. */
const FIND_MISSING_CHUNK = 10_000;

const CAS = ContentAddressableStorage.method;

/**
 * Forwards every Backend call to the upstream that `openCall` reaches, under `instanceName`. Each
 * call is a raw gRPC stream on the upstream connection: ByteStream data framed by hand, never
 * copied through a protobuf writer (see upstream-bytestream.ts), and unary requests encoded once
 * (upstream-unary.ts).
 */
export class RemoteBackend implements Backend {
  /**
   * @param requestMetadata the served call's request-metadata header, sent with every upstream
   *   call; see {@link withRequestMetadata}.
   */
  constructor(
    private readonly openCall: OpenUpstreamCall,
    private readonly instanceName: string,
    private readonly onClose: () => void = () => undefined,
    private readonly requestMetadata?: string,
  ) {}

  /** This backend, its upstream calls carrying `value` as the client's request metadata. */
  withRequestMetadata(value: string): RemoteBackend {
    return new RemoteBackend(this.openCall, this.instanceName, this.onClose, value);
  }

  async capabilities(signal: AbortSignal): Promise<BackendCapabilities> {
    const answer = await withRetry(() => callUpstream(this.openCall, Capabilities.method.getCapabilities, { instanceName: this.instanceName }, this.#scope(signal)), signal);
    const cache = answer.cacheCapabilities;
    if (cache === undefined || !cache.digestFunctions.includes(DigestFunction_Value.SHA256)) {
      throw new ConnectError("the upstream does not offer a SHA-256 CAS", Code.FailedPrecondition);
    }
    const batch = Number(cache.maxBatchTotalSizeBytes);
    const blob = Number(cache.maxCasBlobSizeBytes);
    return {
      actionCacheUpdate: cache.actionCacheUpdateCapabilities?.updateEnabled ?? false,
      ...(batch > 0 ? { maxBatchTotalSizeBytes: batch } : {}),
      ...(blob > 0 ? { maxBlobSizeBytes: blob } : {}),
    };
  }

  async findMissingBlobs(digests: readonly BlobDigest[], signal: AbortSignal): Promise<BlobDigest[]> {
    const missing: BlobDigest[] = [];
    for (let at = 0; at < digests.length; at += FIND_MISSING_CHUNK) {
      const blobDigests = digests.slice(at, at + FIND_MISSING_CHUNK).map(toWireDigest);
      const answer = await withRetry(() => callUpstream(this.openCall, CAS.findMissingBlobs, { instanceName: this.instanceName, blobDigests }, this.#scope(signal)), signal);
      missing.push(...answer.missingBlobDigests.map((digest) => parseDigest(digest, "upstream missing digest")));
    }
    return missing;
  }

  async *readBlob(digest: BlobDigest, options: ReadBlobOptions): AsyncIterable<Uint8Array> {
    if (digest.sizeBytes === 0 && digest.hash === EMPTY_BLOB_DIGEST.hash) return;
    const name = `${this.#prefix()}blobs/${digest.hash}/${digest.sizeBytes}`;
    yield* readFromUpstream(this.openCall, name, { offset: options.offset ?? 0, limit: options.limit ?? 0 }, this.#scope(options.signal));
  }

  async *readBlobFrames(digest: BlobDigest, options: ReadBlobOptions): AsyncIterable<readonly Uint8Array[]> {
    // The empty blob is always there, whether or not the upstream has stored it.
    if (digest.sizeBytes === 0 && digest.hash === EMPTY_BLOB_DIGEST.hash) return;
    const name = `${this.#prefix()}blobs/${digest.hash}/${digest.sizeBytes}`;
    yield* readFramesFromUpstream(this.openCall, name, { offset: options.offset ?? 0, limit: options.limit ?? 0 }, this.#scope(options.signal));
  }

  async writeBlob(digest: BlobDigest, chunks: BlobChunks, signal: AbortSignal): Promise<void> {
    const resourceName = `${this.#prefix()}uploads/${randomUUID()}/blobs/${digest.hash}/${digest.sizeBytes}`;
    const committedSize = await writeToUpstream(this.openCall, resourceName, chunks, this.#scope(signal));
    if (committedSize !== BigInt(digest.sizeBytes) && committedSize !== -1n) {
      throw new ConnectError(
        `the upstream committed ${committedSize} bytes of ${formatDigest(digest)}`,
        Code.DataLoss,
      );
    }
  }

  async batchUpdateBlobs(items: readonly BatchItem[], signal: AbortSignal): Promise<ItemStatus[]> {
    const request = framedBatchUpdateRequest(this.instanceName, items);
    const answer = await withRetry(() => callUpstreamFramed(this.openCall, CAS.batchUpdateBlobs, request, this.#scope(signal)), signal);
    // REAPI does not promise the answers in the requests' order (NativeLink sends them as they
    // complete): each answer goes to the next request, in order, with its digest.
    const waiting = new Map<string, number[]>();
    items.forEach((item, index) => {
      const key = digestKey(item.digest.hash, item.digest.sizeBytes);
      const queue = waiting.get(key);
      if (queue === undefined) waiting.set(key, [index]);
      else queue.push(index);
    });
    const statuses: (ItemStatus | undefined)[] = items.map(() => undefined);
    for (const response of answer.responses) {
      const index = waiting.get(digestKey(response.digest?.hash ?? "", response.digest?.sizeBytes ?? -1n))?.shift();
      if (index !== undefined) statuses[index] = { code: response.status?.code ?? 0, message: response.status?.message ?? "" };
    }
    return statuses.map((status) => status ?? { code: Code.Internal, message: "the upstream left this blob out of its answer" });
  }

  async batchReadBlobs(digests: readonly BlobDigest[], signal: AbortSignal): Promise<BatchReadResult[]> {
    const answer = await withRetry(
      () => callUpstream(this.openCall, CAS.batchReadBlobs, { instanceName: this.instanceName, digests: digests.map(toWireDigest) }, this.#scope(signal)),
      signal,
    );
    const byHash = new Map(answer.responses.map((response) => [response.digest?.hash ?? "", response]));
    return digests.map((digest) => {
      const response = byHash.get(digest.hash);
      if (response === undefined) return { status: { code: Code.Internal, message: "the upstream left this blob out of its answer" } };
      const status = { code: response.status?.code ?? 0, message: response.status?.message ?? "" };
      return status.code === 0 ? { status, data: response.data } : { status };
    });
  }

  async getActionResult(actionDigest: BlobDigest, signal: AbortSignal, inline?: InlineRequest): Promise<ActionResult | undefined> {
    // What to inline is the upstream's to decide, as it would be for the client.
    const request = {
      instanceName: this.instanceName,
      actionDigest: toWireDigest(actionDigest),
      ...(inline !== undefined ? { inlineStdout: inline.stdout, inlineStderr: inline.stderr, inlineOutputFiles: [...inline.outputFiles] } : {}),
    };
    // A miss is an answer here, not an error: recc asks before every compile.
    return withRetry(() => callUpstreamUnlessNotFound(this.openCall, ActionCache.method.getActionResult, request, this.#scope(signal)), signal);
  }

  async updateActionResult(actionDigest: BlobDigest, result: ActionResult, signal: AbortSignal, priority?: number): Promise<void> {
    await callUpstream(
      this.openCall,
      ActionCache.method.updateActionResult,
      {
        instanceName: this.instanceName,
        actionDigest: toWireDigest(actionDigest),
        actionResult: result,
        ...(priority !== undefined && priority !== 0 ? { resultsCachePolicy: { priority } } : {}),
      },
      this.#scope(signal),
    );
  }

  async close(): Promise<void> {
    this.onClose();
  }

  #scope(signal: AbortSignal): UpstreamCallScope {
    return { signal, requestMetadata: this.requestMetadata };
  }

  #prefix(): string {
    return this.instanceName === "" ? "" : `${this.instanceName}/`;
  }
}

/** A digest as one map key: its hash and its size. */
function digestKey(hash: string, sizeBytes: number | bigint): string {
  return `${hash}/${sizeBytes}`;
}
