// A WriteRequest whose bytes arrived in several DATA chunks, split into its data (views, not copied) and its other fields (a few bytes, copied).
import { splitField } from "./message-parts.js";

/** The WriteRequest field that holds the blob's bytes. */
const DATA_FIELD = 10;

/** A WriteRequest split in two: the encoding of every field but `data`, and `data` as views of the message's parts. */
export interface SplitWriteRequest {
  readonly otherFields: Buffer;
  readonly data: Buffer[];
}

/**
 * Splits the WriteRequest encoded in `parts` (in order) without copying its data: the field
 * headers are walked, `data` is cut out as views, and every other field is copied as it is encoded,
 * to be decoded as usual. Undefined when the encoding is anything but plain (a group, a field cut
 * short, a varint too long, `data` twice): the caller then decodes the whole message, which gives
 * the error a malformed one deserves.
 */
export function splitWriteRequest(parts: readonly Buffer[]): SplitWriteRequest | undefined {
  const split = splitField(parts, DATA_FIELD);
  if (split === undefined || split.occurrences.length > 1) return undefined;
  return { otherFields: split.otherFields, data: split.occurrences[0] ?? [] };
}
