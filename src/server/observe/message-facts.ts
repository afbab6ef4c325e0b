// What logs and statistics read from REAPI messages: blob bytes, instance names and subjects.
import type { Message } from "@bufbuild/protobuf";

type Loose = Record<string, unknown>;
const MAX_SUBJECT_DIGESTS = 3;

/** Lists whose items carry blob bytes, and the field that holds them: batch items, an action result's output files. */
const LISTED_BLOBS: ReadonlyArray<readonly [list: string, field: string]> = [
  ["requests", "data"],
  ["responses", "data"],
  ["outputFiles", "contents"],
];

/**
 * Blob data bytes a message carries (ByteStream chunks, batch items, an action result's inlined
 * stdout, stderr and output files, also inside an UpdateActionResult request); 0 for anything else.
 */
export function payloadBytes(message: Message): number {
  const fields = message as unknown as Loose;
  if (fields["data"] instanceof Uint8Array) return fields["data"].byteLength;
  let total = 0;
  const add = (value: unknown) => {
    if (value instanceof Uint8Array) total += value.byteLength;
  };
  for (const [key, field] of LISTED_BLOBS) {
    const items = fields[key];
    if (!Array.isArray(items)) continue;
    for (const item of items as Loose[]) add(item[field]);
  }
  add(fields["stdoutRaw"]);
  add(fields["stderrRaw"]);
  const nested = fields["actionResult"];
  if (typeof nested === "object" && nested !== null) total += payloadBytes(nested as Message);
  return total;
}

/** The request's instance name, when it has that field. */
export function instanceNameOf(message: Message): string | undefined {
  const value = (message as unknown as Loose)["instanceName"];
  return typeof value === "string" ? value : undefined;
}

/** A short, log-safe description of what a request is about. */
export function subjectOf(message: Message): string {
  const fields = message as unknown as Loose;
  if (typeof fields["resourceName"] === "string" && fields["resourceName"] !== "") {
    return clip(fields["resourceName"]);
  }
  const digests: unknown[] = [];
  for (const key of ["actionDigest", "rootDigest"]) if (fields[key] !== undefined) digests.push(fields[key]);
  for (const key of ["blobDigests", "digests"]) if (Array.isArray(fields[key])) digests.push(...(fields[key] as unknown[]));
  if (Array.isArray(fields["requests"])) digests.push(...(fields["requests"] as Loose[]).map((item) => item["digest"]));
  if (digests.length === 0) return "-";
  const shown = digests.slice(0, MAX_SUBJECT_DIGESTS).map(formatLoose).join(",");
  return digests.length > MAX_SUBJECT_DIGESTS ? `${shown},+${digests.length - MAX_SUBJECT_DIGESTS}` : shown;
}

function formatLoose(digest: unknown): string {
  if (typeof digest !== "object" || digest === null) return "?";
  const { hash, sizeBytes } = digest as Loose;
  return `${clip(String(hash))}/${String(sizeBytes)}`;
}

function clip(text: string): string {
  const printable = text.replace(/[^\x20-\x7e]/g, "?");
  return printable.length > 160 ? `${printable.slice(0, 157)}...` : printable;
}
