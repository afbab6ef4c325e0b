// Parsing of ByteStream resource names: only CAS blob names pass, everything else is refused.
import { Code, ConnectError } from "@connectrpc/connect";
import { parseHashAndSize, type BlobDigest } from "./digest.js";
import { instanceSegmentProblem } from "./instance-name-rules.js";

/** A ByteStream resource name that names a CAS blob. */
export interface BlobResourceName {
  readonly instanceName: string;
  readonly digest: BlobDigest;
  /** Set for `uploads/{uuid}/...` names. */
  readonly uploadId?: string;
  /** Set for `compressed-blobs/{compressor}/...` names. */
  readonly compressor?: string;
}

/** Digest-function segments this server accepts in resource names: SHA-256 only. */
const DIGEST_FUNCTION_SEGMENTS: ReadonlySet<string> = new Set(["sha256"]);
/** Digest functions the spec names; anything else in that place is malformed. */
const KNOWN_DIGEST_FUNCTIONS: ReadonlySet<string> = new Set([
  "sha256", "sha1", "md5", "vso", "sha384", "sha512", "murmur3", "sha256tree", "blake3",
]);
const UPLOAD_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const MAX_RESOURCE_NAME_LENGTH = 4096;

/** Parses a name given to ByteStream Read: `[instance/](blobs|compressed-blobs/C)/[fn/]hash/size`. */
export function parseReadResourceName(name: string, maxBlobSizeBytes?: number): BlobResourceName {
  return parse(name, "read", maxBlobSizeBytes);
}

/** Parses a name given to ByteStream Write: `[instance/]uploads/uuid/(blobs|compressed-blobs/C)/[fn/]hash/size[/metadata]`. */
export function parseWriteResourceName(name: string, maxBlobSizeBytes?: number): BlobResourceName {
  return parse(name, "write", maxBlobSizeBytes);
}

function parse(name: string, kind: "read" | "write", maxBlobSizeBytes?: number): BlobResourceName {
  const refuse = (why: string): never => {
    const shown = name.length > 120 ? `${name.slice(0, 117)}...` : name;
    throw new ConnectError(
      `resource name ${JSON.stringify(shown)} is not a CAS blob ${kind} name: ${why}`,
      Code.InvalidArgument,
    );
  };
  if (name.length === 0) refuse("it is empty");
  if (name.length > MAX_RESOURCE_NAME_LENGTH) refuse(`it is longer than ${MAX_RESOURCE_NAME_LENGTH} characters`);
  if (/[\u0000-\u001f\u007f\\]/.test(name)) refuse("it holds control characters or backslashes");

  const segments = name.split("/");
  const anchor = kind === "read" ? findFirst(segments, ["blobs", "compressed-blobs"]) : segments.indexOf("uploads");
  if (anchor < 0) refuse(kind === "read" ? "no blobs/ segment" : "no uploads/ segment");
  const instanceSegments = segments.slice(0, anchor);
  for (const segment of instanceSegments) {
    const problem = instanceSegmentProblem(segment);
    if (problem !== undefined) refuse(`the instance name ${problem}`);
  }

  let at = anchor;
  let uploadId: string | undefined;
  if (kind === "write") {
    uploadId = segments[at + 1];
    if (uploadId === undefined || !UPLOAD_ID.test(uploadId)) refuse("the upload id is missing or malformed");
    at += 2;
  }

  let compressor: string | undefined;
  const blobKind = segments[at];
  if (blobKind === "compressed-blobs") {
    compressor = segments[at + 1];
    if (compressor === undefined || !/^[a-z0-9_]+$/.test(compressor)) refuse("the compressor is missing or malformed");
    at += 2;
  } else if (blobKind === "blobs") {
    at += 1;
  } else {
    refuse("expected blobs/ or compressed-blobs/");
  }

  const maybeFunction = segments[at];
  if (maybeFunction !== undefined && KNOWN_DIGEST_FUNCTIONS.has(maybeFunction)) {
    if (!DIGEST_FUNCTION_SEGMENTS.has(maybeFunction)) {
      refuse(`digest function ${JSON.stringify(maybeFunction)} is not supported (SHA-256 only)`);
    }
    at += 1;
  }

  const hash = segments[at];
  const size = segments[at + 1];
  if (hash === undefined || size === undefined) refuse("the hash or size is missing");
  const rest = segments.slice(at + 2);
  if (kind === "read" && rest.length > 0) refuse("unexpected segments after the size");
  const digest = parseHashAndSize(hash as string, size as string, "resource name", maxBlobSizeBytes);

  return {
    instanceName: instanceSegments.join("/"),
    digest,
    ...(uploadId !== undefined ? { uploadId } : {}),
    ...(compressor !== undefined ? { compressor } : {}),
  };
}

function findFirst(segments: readonly string[], words: readonly string[]): number {
  return segments.findIndex((segment) => words.includes(segment));
}
