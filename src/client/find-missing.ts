// FindMissingBlobs over any number of digests, in calls of bounded size.
import { digestText, fromWire, type BlobDigest } from "./digest-text.js";
import type { ReapiClients } from "./reapi-clients.js";

/** Digests per FindMissingBlobs call: about 800 KB of request. */
const DIGESTS_PER_CALL = 10_000;

/** The digests among `digests` the server does not hold, in their original order, each once. */
export async function findMissing(clients: ReapiClients, digests: readonly BlobDigest[]): Promise<BlobDigest[]> {
  const unique = [...new Map(digests.map((digest) => [digestText(digest), digest])).values()];
  const missing = new Set<string>();
  for (let start = 0; start < unique.length; start += DIGESTS_PER_CALL) {
    const chunk = unique.slice(start, start + DIGESTS_PER_CALL);
    const response = await clients.cas.findMissingBlobs({
      instanceName: clients.instanceName,
      blobDigests: chunk.map((digest) => ({ hash: digest.hash, sizeBytes: BigInt(digest.sizeBytes) })),
    });
    for (const digest of response.missingBlobDigests) missing.add(digestText(fromWire(digest, "FindMissingBlobs answer")));
  }
  return unique.filter((digest) => missing.has(digestText(digest)));
}
