// The encoded size of a BatchReadBlobsResponse, counted before reading (from the digests asked for) and after (from the results), so that the answer fits one gRPC message.
import type { BatchReadResult } from "../backend/backend.js";
import type { BlobDigest } from "../policy/digest.js";

/**
 * Largest BatchReadBlobsResponse sent: the message size gRPC clients take by default (grpc-go,
 * grpc-java, grpc-js, buildbox). The batch limit bounds the blob bytes (REAPI's
 * max_batch_total_size_bytes); this bounds them with every response's digest, status and framing.
 */
export const MAX_BATCH_READ_RESPONSE_BYTES = 4 * 1024 * 1024;

/** A SHA-256 hash in hex: 64 characters. */
const HASH_CHARS = 64;
/** A status as counted before reading: its code field (tag and a one-byte varint; codes are 0-16), no message. */
const STATUS_CODE_BYTES = 2;

const UTF8 = new TextDecoder();

/** Bytes of `value` as a protobuf varint. */
function varintBytes(value: number): number {
  let bytes = 1;
  for (let rest = value; rest >= 0x80; rest = Math.floor(rest / 0x80)) bytes++;
  return bytes;
}

/** Bytes of a length-delimited field (tag below 16) holding `length` bytes. */
function fieldBytes(length: number): number {
  return 1 + varintBytes(length) + length;
}

/** Bytes of a Digest message: the hash, and the size unless it is 0. */
function digestBytes(sizeBytes: number): number {
  return fieldBytes(HASH_CHARS) + (sizeBytes > 0 ? 1 + varintBytes(sizeBytes) : 0);
}

/** Bytes of one Response in the `responses` field: digest, data (absent when empty) and a status of `statusBytes`. */
function responseBytes(sizeBytes: number, dataBytes: number, statusBytes: number): number {
  return fieldBytes(fieldBytes(digestBytes(sizeBytes)) + (dataBytes > 0 ? fieldBytes(dataBytes) : 0) + fieldBytes(statusBytes));
}

/** Bytes of a google.rpc.Status with `code` and a message of `messageBytes` bytes. */
function statusBytes(code: number, messageBytes: number): number {
  return (code !== 0 ? 1 + varintBytes(code) : 0) + (messageBytes > 0 ? fieldBytes(messageBytes) : 0);
}

/**
 * Bytes of the BatchReadBlobsResponse answering `digests` when every blob is found: each
 * Response's digest, data, a status with a code and no message, and their field headers. A blob
 * not found takes its digest and a status instead, no more when its message fits the room its
 * data would have taken ({@link fitStatusMessages}).
 */
export function batchReadResponseBytes(digests: readonly BlobDigest[]): number {
  let total = 0;
  for (const digest of digests) total += responseBytes(digest.sizeBytes, digest.sizeBytes, STATUS_CODE_BYTES);
  return total;
}

/**
 * `results` (one per digest) as they may be sent in a response of at most `maxBytes`, given that
 * {@link batchReadResponseBytes} of `digests` is within it: unchanged when they fit, else with
 * each failed blob's status message cut to the room its missing data left.
 */
export function fitStatusMessages(digests: readonly BlobDigest[], results: readonly BatchReadResult[], maxBytes: number): readonly BatchReadResult[] {
  const sizeOf = (digest: BlobDigest, result: BatchReadResult) =>
    responseBytes(digest.sizeBytes, result.data?.byteLength ?? 0, statusBytes(result.status.code, Buffer.byteLength(result.status.message)));
  let total = 0;
  results.forEach((result, index) => (total += sizeOf(digests[index] as BlobDigest, result)));
  if (total <= maxBytes) return results;
  return results.map((result, index) => {
    const digest = digests[index] as BlobDigest;
    const room = responseBytes(digest.sizeBytes, digest.sizeBytes, STATUS_CODE_BYTES);
    if (sizeOf(digest, result) <= room) return result;
    const message = Buffer.from(result.status.message);
    const dataBytes = result.data?.byteLength ?? 0;
    // Each byte cut takes at least one byte off the answer: start there, and cut on while it is over.
    let keep = Math.max(0, message.byteLength - (sizeOf(digest, result) - room));
    while (keep > 0 && responseBytes(digest.sizeBytes, dataBytes, statusBytes(result.status.code, keep)) > room) keep--;
    // A character cut in two decodes to U+FFFD, longer than the bytes it stands for: drop it.
    return { ...result, status: { code: result.status.code, message: UTF8.decode(message.subarray(0, keep)).replace(/\uFFFD$/, "") } };
  });
}
