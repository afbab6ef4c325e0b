// ByteStream Read of one blob, piece by piece, checked against its digest as it arrives.
import { Code, ConnectError } from "@connectrpc/connect";
import { DigestCheck } from "./blob-hash.js";
import { digestText, type BlobDigest } from "./digest-text.js";
import { corruptError, notFoundError } from "./exit-status.js";
import type { ReapiClients } from "./reapi-clients.js";
import { readResourceName } from "./resource-names.js";
import { EMPTY_BLOB_DIGEST } from "../policy/digest.js";

/**
 * Reads the blob `digest`, handing each piece to `sink` (awaited: backpressure reaches the
 * server). A missing blob is a not-found error (exit 1); bytes that do not match the digest
 * a corrupt-data error (exit 5), thrown after the last piece (the sink has seen them all).
 */
export async function readBlob(clients: ReapiClients, digest: BlobDigest, sink: (piece: Uint8Array) => Promise<void> | void): Promise<void> {
  // Every CAS holds the empty blob; some servers do not serve it by name.
  if (digest.sizeBytes === 0 && digest.hash === EMPTY_BLOB_DIGEST.hash) return;
  const check = new DigestCheck(digest);
  try {
    for await (const response of clients.byteStream.read({ resourceName: readResourceName(clients.instanceName, digest), readOffset: 0n, readLimit: 0n })) {
      if (response.data.byteLength === 0) continue;
      try {
        check.update(response.data);
      } catch (error) {
        throw corruptError(`blob ${digestText(digest)} from the server has ${(error as Error).message}`);
      }
      await sink(response.data);
    }
  } catch (error) {
    if (error instanceof ConnectError && error.code === Code.NotFound) throw notFoundError(`blob ${digestText(digest)} is not in the CAS`);
    throw error;
  }
  const problem = check.finish();
  if (problem !== undefined) throw corruptError(`blob ${digestText(digest)} from the server does not match its digest: ${problem}`);
}

/** Reads the blob `digest` whole into memory (for Directory messages too large for a batch). */
export async function readBlobBytes(clients: ReapiClients, digest: BlobDigest): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  await readBlob(clients, digest, (piece) => {
    pieces.push(piece);
  });
  return Buffer.concat(pieces);
}
