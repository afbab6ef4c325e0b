// Validation of REAPI digests: the one gate every hash and size passes before disk or network.
import { Code, ConnectError } from "@connectrpc/connect";

/** A validated SHA-256 digest: 64 lowercase hex characters and a safe, non-negative size. */
export interface BlobDigest {
  readonly hash: string;
  readonly sizeBytes: number;
}

/** The digest as it arrives on the wire (protobuf `Digest`). */
export interface WireDigest {
  readonly hash: string;
  readonly sizeBytes: bigint;
}

/** SHA-256 of no bytes: the blob every CAS holds. */
export const EMPTY_BLOB_DIGEST: BlobDigest = {
  hash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  sizeBytes: 0,
};

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** True when `hash` is exactly 64 lowercase hex characters. */
export function isSha256Hex(hash: string): boolean {
  return SHA256_HEX.test(hash);
}

/**
 * Checks a wire digest and returns it in the form the store uses.
 * Throws INVALID_ARGUMENT naming `what` and the bad value; a size over `maxBlobSizeBytes`
 * is INVALID_ARGUMENT too.
 */
export function parseDigest(
  digest: WireDigest | undefined,
  what: string,
  maxBlobSizeBytes: number = Number.MAX_SAFE_INTEGER,
): BlobDigest {
  if (digest === undefined) {
    throw new ConnectError(`${what}: digest is missing`, Code.InvalidArgument);
  }
  return parseHashAndSize(digest.hash, digest.sizeBytes, what, maxBlobSizeBytes);
}

/** Like {@link parseDigest}, for a hash and a size held apart (resource names, store keys). */
export function parseHashAndSize(
  hash: string,
  size: bigint | string,
  what: string,
  maxBlobSizeBytes: number = Number.MAX_SAFE_INTEGER,
): BlobDigest {
  if (!isSha256Hex(hash)) {
    throw new ConnectError(
      `${what}: hash ${JSON.stringify(truncate(hash))} is not 64 lowercase hex characters (SHA-256)`,
      Code.InvalidArgument,
    );
  }
  const sizeBytes = parseSize(size, what);
  if (sizeBytes > maxBlobSizeBytes) {
    throw new ConnectError(
      `${what}: size ${sizeBytes} is over the largest blob this server takes (${maxBlobSizeBytes} bytes)`,
      Code.InvalidArgument,
    );
  }
  return { hash, sizeBytes };
}

function parseSize(size: bigint | string, what: string): number {
  if (typeof size === "string" && !/^(0|[1-9][0-9]{0,15})$/.test(size)) {
    throw new ConnectError(
      `${what}: size ${JSON.stringify(truncate(size))} is not a non-negative decimal integer`,
      Code.InvalidArgument,
    );
  }
  const value = BigInt(size);
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ConnectError(`${what}: size ${value} is out of range`, Code.InvalidArgument);
  }
  return Number(value);
}

/** `hash/size`, the form digests take in logs, messages and ByteStream names. */
export function formatDigest(digest: BlobDigest): string {
  return `${digest.hash}/${digest.sizeBytes}`;
}

/** The digest in its wire form. */
export function toWireDigest(digest: BlobDigest): { hash: string; sizeBytes: bigint } {
  return { hash: digest.hash, sizeBytes: BigInt(digest.sizeBytes) };
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The REAPI DigestFunction values this server accepts: unset (meaning SHA-256) and SHA256 (1). */
const ACCEPTED_DIGEST_FUNCTIONS: ReadonlySet<number> = new Set([0, 1]);

/** Throws INVALID_ARGUMENT when a request names a digest function other than SHA-256. */
export function checkDigestFunction(digestFunction: number): void {
  if (!ACCEPTED_DIGEST_FUNCTIONS.has(digestFunction)) {
    throw new ConnectError(`digest_function ${digestFunction} is not supported: this server verifies SHA-256 only`, Code.InvalidArgument);
  }
}
