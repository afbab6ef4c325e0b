// A Backend that forwards to an upstream REAPI server (buildbox-casd, BuildGrid, Buildbarn, ...).
import { randomUUID } from "node:crypto";
import { createClient, Code, ConnectError, type Client, type Transport } from "@connectrpc/connect";
import {
  ActionCache,
  Capabilities,
  ContentAddressableStorage,
  DigestFunction_Value,
  type ActionResult,
} from "../../gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { ByteStream } from "../../gen/google/bytestream/bytestream_pb.js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { WriteRequestSchema } from "../../gen/google/bytestream/bytestream_pb.js";
import { EMPTY_BLOB_DIGEST, formatDigest, parseDigest, toWireDigest, type BlobDigest } from "../../policy/digest.js";
import type {
  Backend,
  BackendCapabilities,
  BatchItem,
  BatchReadResult,
  BlobChunks,
  ItemStatus,
  ReadBlobOptions,
} from "../backend.js";
import { withRetry } from "./retry.js";

/** FindMissingBlobs requests are split into calls of at most this many digests. */
const FIND_MISSING_CHUNK = 10_000;

/** Forwards every Backend call to the upstream behind `transport`, under `instanceName`. */
export class RemoteBackend implements Backend {
  readonly #cas: Client<typeof ContentAddressableStorage>;
  readonly #actionCache: Client<typeof ActionCache>;
  readonly #capabilities: Client<typeof Capabilities>;
  readonly #byteStream: Client<typeof ByteStream>;

  constructor(
    transport: Transport,
    private readonly instanceName: string,
    private readonly onClose: () => void = () => undefined,
  ) {
    this.#cas = createClient(ContentAddressableStorage, transport);
    this.#actionCache = createClient(ActionCache, transport);
    this.#capabilities = createClient(Capabilities, transport);
    this.#byteStream = createClient(ByteStream, transport);
  }

  async capabilities(signal: AbortSignal): Promise<BackendCapabilities> {
    const answer = await withRetry(() => this.#capabilities.getCapabilities({ instanceName: this.instanceName }, { signal }), signal);
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
      const answer = await withRetry(() => this.#cas.findMissingBlobs({ instanceName: this.instanceName, blobDigests }, { signal }), signal);
      missing.push(...answer.missingBlobDigests.map((digest) => parseDigest(digest, "upstream missing digest")));
    }
    return missing;
  }

  async *readBlob(digest: BlobDigest, options: ReadBlobOptions): AsyncIterable<Uint8Array> {
    if (digest.sizeBytes === 0 && digest.hash === EMPTY_BLOB_DIGEST.hash) return;
    const responses = this.#byteStream.read(
      {
        resourceName: `${this.#prefix()}blobs/${digest.hash}/${digest.sizeBytes}`,
        readOffset: BigInt(options.offset ?? 0),
        readLimit: BigInt(options.limit ?? 0),
      },
      { signal: options.signal },
    );
    for await (const response of responses) yield response.data;
  }

  async writeBlob(digest: BlobDigest, chunks: BlobChunks, signal: AbortSignal): Promise<void> {
    const resourceName = `${this.#prefix()}uploads/${randomUUID()}/blobs/${digest.hash}/${digest.sizeBytes}`;
    const answer = await this.#byteStream.write(writeRequests(resourceName, chunks), { signal });
    if (answer.committedSize !== BigInt(digest.sizeBytes) && answer.committedSize !== -1n) {
      throw new ConnectError(
        `the upstream committed ${answer.committedSize} bytes of ${formatDigest(digest)}`,
        Code.DataLoss,
      );
    }
  }

  async batchUpdateBlobs(items: readonly BatchItem[], signal: AbortSignal): Promise<ItemStatus[]> {
    const requests = items.map((item) => ({ digest: toWireDigest(item.digest), data: item.data }));
    const answer = await withRetry(() => this.#cas.batchUpdateBlobs({ instanceName: this.instanceName, requests }, { signal }), signal);
    return items.map((item, index) => {
      const response = answer.responses[index];
      if (response === undefined || response.digest?.hash !== item.digest.hash) {
        return { code: Code.Internal, message: "the upstream's batch answer does not match the request" };
      }
      return { code: response.status?.code ?? 0, message: response.status?.message ?? "" };
    });
  }

  async batchReadBlobs(digests: readonly BlobDigest[], signal: AbortSignal): Promise<BatchReadResult[]> {
    const answer = await withRetry(
      () => this.#cas.batchReadBlobs({ instanceName: this.instanceName, digests: digests.map(toWireDigest) }, { signal }),
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

  async getActionResult(actionDigest: BlobDigest, signal: AbortSignal): Promise<ActionResult | undefined> {
    try {
      return await withRetry(
        () => this.#actionCache.getActionResult({ instanceName: this.instanceName, actionDigest: toWireDigest(actionDigest) }, { signal }),
        signal,
      );
    } catch (error) {
      if (error instanceof ConnectError && error.code === Code.NotFound) return undefined;
      throw error;
    }
  }

  async updateActionResult(actionDigest: BlobDigest, result: ActionResult, signal: AbortSignal): Promise<void> {
    await this.#actionCache.updateActionResult(
      { instanceName: this.instanceName, actionDigest: toWireDigest(actionDigest), actionResult: result },
      { signal },
    );
  }

  async close(): Promise<void> {
    this.onClose();
  }

  #prefix(): string {
    return this.instanceName === "" ? "" : `${this.instanceName}/`;
  }
}

/**
 * The Write stream for `chunks`: the name on the first request, running offsets, and
 * finish_write on the last (one chunk is held back to know which is last).
 */
async function* writeRequests(resourceName: string, chunks: BlobChunks): AsyncIterable<MessageInitShape<typeof WriteRequestSchema>> {
  let offset = 0n;
  let held: Uint8Array | undefined;
  let first = true;
  const request = (data: Uint8Array, finishWrite: boolean): MessageInitShape<typeof WriteRequestSchema> => {
    const message = { resourceName: first ? resourceName : "", writeOffset: offset, data, finishWrite };
    first = false;
    offset += BigInt(data.byteLength);
    return message;
  };
  for await (const chunk of chunks) {
    if (held !== undefined) yield request(held, false);
    held = chunk;
  }
  yield request(held ?? new Uint8Array(0), true);
}

