// Digests as scripts write them: `hash/size`, SHA-256 only.
import { isSha256Hex, type BlobDigest } from "../policy/digest.js";
import { usageError } from "./exit-status.js";

export type { BlobDigest } from "../policy/digest.js";

/**
 * Parses `hash/size` (64 lowercase hex characters, a slash, a decimal size). Throws a usage
 * error (exit 2) naming `what` and the text otherwise.
 */
export function parseDigestText(text: string, what = "digest"): BlobDigest {
  const match = /^([0-9a-fA-F]{64})\/(0|[1-9][0-9]{0,15})$/.exec(text.trim());
  const size = match ? Number(match[2]) : -1;
  if (match === null || !Number.isSafeInteger(size)) {
    throw usageError(`${what} must be HASH/SIZE (64 hex digits of SHA-256, a slash, the size in bytes), got ${JSON.stringify(shorten(text))}`);
  }
  const hash = (match[1] as string).toLowerCase();
  if (!isSha256Hex(hash)) throw usageError(`${what}: ${JSON.stringify(shorten(text))} is not a SHA-256 digest`);
  return { hash, sizeBytes: size };
}

/** `hash/size`. */
export function digestText(digest: BlobDigest): string {
  return `${digest.hash}/${digest.sizeBytes}`;
}

/** The digest of a wire `Digest` message (as the server sent it) in the store's form; throws on a malformed one. */
export function fromWire(digest: { hash: string; sizeBytes: bigint } | undefined, what: string): BlobDigest {
  if (digest === undefined || !isSha256Hex(digest.hash) || digest.sizeBytes < 0n || digest.sizeBytes > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Error(`${what}: malformed digest ${digest === undefined ? "(missing)" : `${shorten(digest.hash)}/${digest.sizeBytes}`}`);
  }
  return { hash: digest.hash, sizeBytes: Number(digest.sizeBytes) };
}

function shorten(text: string): string {
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}
