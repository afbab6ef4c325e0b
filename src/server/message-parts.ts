// Protobuf messages whose bytes arrived in several buffers (DATA chunks): a reader across them, and one field cut out as views.

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/** The bytes of `parts` in one buffer: the only part itself when there is one, else a copy of them all. */
export function joinParts(parts: readonly Buffer[]): Buffer {
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
}

/** A message split in two: the encoding of every field but one, and that field's occurrences as views of the message's parts. */
export interface SplitMessage {
  /** The other fields, copied as they are encoded (to be decoded as usual). */
  readonly otherFields: Buffer;
  /** Each occurrence of the field, in order, as views of the parts it lies in. */
  readonly occurrences: Buffer[][];
}

/**
 * Splits the message encoded in `parts` (in order) without copying length-delimited `field`:
 * the field headers are walked, each occurrence of `field` is cut out as views, and every other
 * field is copied as it is encoded. Undefined when the encoding is anything but plain (a group, a
 * field cut short, a varint too long, `field` with another wire type): the caller then decodes
 * the whole message, which gives the error a malformed one deserves.
 */
export function splitField(parts: readonly Buffer[], field: number): SplitMessage | undefined {
  const reader = new PartsReader(parts);
  const otherFields: Buffer[] = [];
  const occurrences: Buffer[][] = [];
  while (reader.remaining > 0) {
    const start = reader.position;
    const tag = reader.varint();
    if (tag === undefined || tag < 8) return undefined;
    const number = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (number === field && wireType !== LENGTH_DELIMITED) return undefined;
    switch (wireType) {
      case VARINT:
        if (reader.varint() === undefined) return undefined;
        break;
      case FIXED64:
        if (!reader.skip(8)) return undefined;
        break;
      case FIXED32:
        if (!reader.skip(4)) return undefined;
        break;
      case LENGTH_DELIMITED: {
        const length = reader.varint();
        if (length === undefined || length > reader.remaining) return undefined;
        if (number === field) {
          occurrences.push(reader.views(length));
          continue;
        }
        reader.skip(length);
        break;
      }
      default:
        return undefined;
    }
    otherFields.push(...new PartsReader(parts, start).views(reader.position - start));
  }
  return { otherFields: Buffer.concat(otherFields), occurrences };
}

/** Reads forward through bytes held in several buffers. */
export class PartsReader {
  #part = 0;
  #offset = 0;
  #position = 0;
  readonly #total: number;

  constructor(
    private readonly parts: readonly Buffer[],
    start = 0,
  ) {
    this.#total = parts.reduce((sum, part) => sum + part.byteLength, 0);
    this.#advance(0);
    this.skip(start);
  }

  get position(): number {
    return this.#position;
  }

  get remaining(): number {
    return this.#total - this.#position;
  }

  /** A varint of up to 7 bytes (a safe integer), or undefined when it is longer or cut short. */
  varint(): number | undefined {
    let value = 0;
    for (let shift = 0; shift < 49; shift += 7) {
      const byte = this.#byte();
      if (byte === undefined) return undefined;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
    return undefined;
  }

  /** Moves past `count` bytes; false when fewer remain. */
  skip(count: number): boolean {
    if (count > this.remaining) return false;
    this.views(count);
    return true;
  }

  /** The next `count` bytes (at most `remaining`) as views of the parts. */
  views(count: number): Buffer[] {
    const out: Buffer[] = [];
    let left = count;
    while (left > 0) {
      const part = this.parts[this.#part] as Buffer;
      const take = Math.min(left, part.byteLength - this.#offset);
      out.push(part.subarray(this.#offset, this.#offset + take));
      this.#advance(take);
      left -= take;
    }
    return out;
  }

  #byte(): number | undefined {
    if (this.remaining === 0) return undefined;
    const byte = (this.parts[this.#part] as Buffer)[this.#offset] as number;
    this.#advance(1);
    return byte;
  }

  #advance(count: number): void {
    this.#offset += count;
    this.#position += count;
    while (this.#part < this.parts.length && this.#offset >= (this.parts[this.#part] as Buffer).byteLength) {
      this.#offset -= (this.parts[this.#part] as Buffer).byteLength;
      this.#part += 1;
    }
  }
}
