// BatchUpdateBlobs for small blobs: one call per planned batch.
import { readFile } from "node:fs/promises";
import { digestOfBytes } from "./blob-hash.js";
import { checkItemStatus } from "./batch-status.js";
import { digestText, type BlobDigest } from "./digest-text.js";
import { failureError } from "./exit-status.js";
import type { ReapiClients } from "./reapi-clients.js";

/** A blob to upload: bytes in memory, or a file to read (checked against the digest on reading). */
export type UploadSource = { readonly digest: BlobDigest } & ({ readonly bytes: Uint8Array } | { readonly path: string });

/** Reads each item's bytes and uploads them in one BatchUpdateBlobs; throws on any item's failure. */
export async function uploadBatch(clients: ReapiClients, items: readonly UploadSource[]): Promise<void> {
  const requests = await Promise.all(items.map(async (item) => ({ digest: wire(item.digest), data: await bytesOf(item) })));
  const response = await clients.cas.batchUpdateBlobs({ instanceName: clients.instanceName, requests });
  const statuses = new Map(response.responses.map((entry) => [`${entry.digest?.hash}/${entry.digest?.sizeBytes}`, entry.status]));
  for (const item of items) {
    const key = digestText(item.digest);
    if (!statuses.has(key)) throw failureError(`BatchUpdateBlobs answered nothing for ${key}`);
    checkItemStatus("BatchUpdateBlobs", item.digest, statuses.get(key));
  }
}

async function bytesOf(item: UploadSource): Promise<Uint8Array> {
  if ("bytes" in item) return item.bytes;
  const data = await readFile(item.path);
  const actual = digestOfBytes(data);
  if (actual.hash !== item.digest.hash || actual.sizeBytes !== item.digest.sizeBytes) {
    throw failureError(`${item.path} changed while being uploaded`);
  }
  return data;
}

function wire(digest: BlobDigest): { hash: string; sizeBytes: bigint } {
  return { hash: digest.hash, sizeBytes: BigInt(digest.sizeBytes) };
}
