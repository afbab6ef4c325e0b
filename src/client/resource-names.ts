// ByteStream resource names for CAS blobs, as the REAPI spec spells them.
import { randomUUID } from "node:crypto";
import type { BlobDigest } from "./digest-text.js";

/** `[instance/]blobs/hash/size`, for ByteStream Read. */
export function readResourceName(instanceName: string, digest: BlobDigest): string {
  return `${prefix(instanceName)}blobs/${digest.hash}/${digest.sizeBytes}`;
}

/** `[instance/]uploads/uuid/blobs/hash/size`, for ByteStream Write; a fresh uuid each call. */
export function writeResourceName(instanceName: string, digest: BlobDigest): string {
  return `${prefix(instanceName)}uploads/${randomUUID()}/blobs/${digest.hash}/${digest.sizeBytes}`;
}

function prefix(instanceName: string): string {
  return instanceName === "" ? "" : `${instanceName}/`;
}
