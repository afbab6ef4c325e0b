// Merges runs of HTTP/2 DATA frames of one stream into frames up to the peer's largest, in the bytes a client session writes.

/** HTTP/2 frame header length, frame types and flags (RFC 9113, section 4 and 6). */
const HEADER_BYTES = 9;
const TYPE_DATA = 0x0;
const TYPE_SETTINGS = 0x4;
const FLAG_END_STREAM = 0x1;
const FLAG_ACK = 0x1;
const FLAG_PADDED = 0x8;
const SETTINGS_MAX_FRAME_SIZE = 0x5;
/** The largest frame a peer takes until its SETTINGS say otherwise. */
const DEFAULT_MAX_FRAME_SIZE = 16_384;
/** The client connection preface (RFC 9113, section 3.4), which precedes the first frame. */
const CLIENT_PREFACE_BYTES = 24;

/**
 * Rewrites the outgoing bytes of an HTTP/2 client connection so that consecutive DATA frames of
 * one stream go out as one frame, as large as the peer's SETTINGS_MAX_FRAME_SIZE allows. Node's
 * HTTP/2 sends DATA frames of at most 16 KiB whatever the peer allows, and a peer such as
 * buildbox-casd spends far more CPU on 32,768 frames per 512 MiB than on a few hundred.
 *
 * What goes out means exactly what came in: the same bytes in the same order on every stream,
 * under the same flow-control windows (which count payload bytes, not frames). Only complete,
 * unpadded DATA frames that follow each other in one write are merged; END_STREAM closes a run;
 * every other frame passes through untouched, and so do frames cut across writes.
 */
export class DataFrameMerger {
  #maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
  /** Outgoing bytes still to pass through before the next frame header: the preface, or the rest of a cut frame. */
  #passOutgoing = CLIENT_PREFACE_BYTES;
  /** Outgoing header bytes of a frame whose header was cut by the end of a write. */
  #outgoingHeader: Buffer | undefined;
  readonly #incoming = new IncomingSettingsWatcher((size) => (this.#maxFrameSize = size));

  /** The largest frame the peer has said it takes (16,384 until its SETTINGS arrive). */
  get maxFrameSize(): number {
    return this.#maxFrameSize;
  }

  /** Watches bytes read from the peer, for the SETTINGS that raise or lower the largest frame. */
  observeIncoming(chunk: Uint8Array): void {
    this.#incoming.observe(chunk);
  }

  /**
   * The pieces to write for one write of `chunks`: the same bytes, with runs of DATA frames
   * merged. Merged frames get a new header and keep their payloads as views of the input.
   */
  rewrite(chunks: readonly Buffer[]): Buffer[] {
    const out: Buffer[] = [];
    const reader = new PieceReader(chunks);
    let run: DataRun | undefined;
    const flushRun = () => {
      if (run !== undefined) out.push(...run.pieces());
      run = undefined;
    };
    while (!reader.done) {
      if (this.#passOutgoing > 0) {
        const pieces = reader.take(this.#passOutgoing);
        this.#passOutgoing -= byteLength(pieces);
        flushRun();
        out.push(...pieces);
        continue;
      }
      if (this.#outgoingHeader !== undefined) {
        // The rest of a header cut by the previous write: complete it, then pass its frame on.
        const missing = HEADER_BYTES - this.#outgoingHeader.length;
        const rest = Buffer.concat(reader.take(missing));
        out.push(rest);
        this.#outgoingHeader = Buffer.concat([this.#outgoingHeader, rest]);
        if (this.#outgoingHeader.length === HEADER_BYTES) {
          this.#passOutgoing = this.#outgoingHeader.readUIntBE(0, 3);
          this.#outgoingHeader = undefined;
        }
        continue;
      }
      if (reader.remaining < HEADER_BYTES) {
        flushRun();
        const pieces = reader.take(reader.remaining);
        out.push(...pieces);
        this.#outgoingHeader = Buffer.concat(pieces);
        continue;
      }
      const header = reader.peekHeader();
      const length = header.readUIntBE(0, 3);
      const type = header[3]!;
      const flags = header[4]!;
      const streamId = header.readUInt32BE(5) & 0x7fff_ffff;
      const whole = reader.remaining >= HEADER_BYTES + length;
      if (type === TYPE_DATA && (flags & FLAG_PADDED) === 0 && whole) {
        const headerPieces = reader.take(HEADER_BYTES);
        const payload = reader.take(length);
        if (run !== undefined && run.accepts(streamId, length, this.#maxFrameSize)) {
          run.add(payload, flags);
        } else {
          flushRun();
          run = new DataRun(streamId, headerPieces, payload, flags);
        }
        if ((flags & FLAG_END_STREAM) !== 0) flushRun();
        continue;
      }
      flushRun();
      out.push(...reader.take(HEADER_BYTES));
      const payload = reader.take(length);
      out.push(...payload);
      this.#passOutgoing = length - byteLength(payload);
    }
    flushRun();
    return out;
  }
}

/** DATA frames of one stream, back to back, to go out as one frame. */
class DataRun {
  readonly #payload: Buffer[];
  #length: number;
  #flags: number;
  #frames = 1;

  constructor(
    readonly streamId: number,
    private readonly firstHeader: Buffer[],
    payload: Buffer[],
    flags: number,
  ) {
    this.#payload = [...payload];
    this.#length = byteLength(payload);
    this.#flags = flags;
  }

  /** Whether a frame of `length` bytes on `streamId` can join this run without passing `maxFrameSize`. */
  accepts(streamId: number, length: number, maxFrameSize: number): boolean {
    return streamId === this.streamId && this.#length + length <= maxFrameSize;
  }

  add(payload: Buffer[], flags: number): void {
    this.#payload.push(...payload);
    this.#length += byteLength(payload);
    this.#flags = flags;
    this.#frames++;
  }

  /** The run as pieces: a single frame as it came, several under one new header. */
  pieces(): Buffer[] {
    if (this.#frames === 1) return [...this.firstHeader, ...this.#payload];
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    header.writeUIntBE(this.#length, 0, 3);
    header[3] = TYPE_DATA;
    header[4] = this.#flags;
    header.writeUInt32BE(this.streamId, 5);
    return [header, ...this.#payload];
  }
}

/** Reads byte ranges across a list of buffers, as views. */
class PieceReader {
  #index = 0;
  #offset = 0;
  #remaining: number;

  constructor(private readonly chunks: readonly Buffer[]) {
    this.#remaining = byteLength(chunks);
  }

  get done(): boolean {
    return this.#remaining === 0;
  }

  get remaining(): number {
    return this.#remaining;
  }

  /** The next frame header (nine bytes, which must be there), without consuming it. */
  peekHeader(): Buffer {
    const chunk = this.chunks[this.#index]!;
    if (chunk.length - this.#offset >= HEADER_BYTES) return chunk.subarray(this.#offset, this.#offset + HEADER_BYTES);
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    let filled = 0;
    for (let index = this.#index, offset = this.#offset; filled < HEADER_BYTES; index++, offset = 0) {
      const source = this.chunks[index]!;
      filled += source.copy(header, filled, offset, Math.min(source.length, offset + HEADER_BYTES - filled));
    }
    return header;
  }

  /** Up to `count` next bytes, as views of the chunks they lie in. */
  take(count: number): Buffer[] {
    const pieces: Buffer[] = [];
    let wanted = Math.min(count, this.#remaining);
    this.#remaining -= wanted;
    while (wanted > 0) {
      const chunk = this.chunks[this.#index]!;
      const end = Math.min(chunk.length, this.#offset + wanted);
      if (end > this.#offset) pieces.push(chunk.subarray(this.#offset, end));
      wanted -= end - this.#offset;
      if (end === chunk.length) {
        this.#index++;
        this.#offset = 0;
      } else {
        this.#offset = end;
      }
    }
    while (this.#index < this.chunks.length && this.chunks[this.#index]!.length === 0) this.#index++;
    return pieces;
  }
}

/**
 * Follows the frames a server sends, header by header, to see each SETTINGS frame's
 * SETTINGS_MAX_FRAME_SIZE. Payloads are skipped, not read, except those of SETTINGS.
 */
class IncomingSettingsWatcher {
  #skip = 0;
  readonly #header = Buffer.alloc(HEADER_BYTES);
  #headerFilled = 0;
  /** The payload of a SETTINGS frame being read, and how much of it has arrived. */
  #settings: Buffer | undefined;
  #settingsFilled = 0;

  constructor(private readonly onMaxFrameSize: (size: number) => void) {}

  observe(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#skip > 0) {
        const step = Math.min(this.#skip, chunk.length - offset);
        this.#skip -= step;
        offset += step;
        continue;
      }
      if (this.#settings !== undefined) {
        const step = Math.min(this.#settings.length - this.#settingsFilled, chunk.length - offset);
        this.#settings.set(chunk.subarray(offset, offset + step), this.#settingsFilled);
        this.#settingsFilled += step;
        offset += step;
        if (this.#settingsFilled === this.#settings.length) {
          this.#apply(this.#settings);
          this.#settings = undefined;
        }
        continue;
      }
      const step = Math.min(HEADER_BYTES - this.#headerFilled, chunk.length - offset);
      this.#header.set(chunk.subarray(offset, offset + step), this.#headerFilled);
      this.#headerFilled += step;
      offset += step;
      if (this.#headerFilled < HEADER_BYTES) continue;
      this.#headerFilled = 0;
      const length = this.#header.readUIntBE(0, 3);
      const isSettings = this.#header[3] === TYPE_SETTINGS && (this.#header[4]! & FLAG_ACK) === 0;
      if (isSettings && length > 0) {
        this.#settings = Buffer.alloc(length);
        this.#settingsFilled = 0;
      } else {
        this.#skip = length;
      }
    }
  }

  #apply(payload: Buffer): void {
    for (let offset = 0; offset + 6 <= payload.length; offset += 6) {
      if (payload.readUInt16BE(offset) !== SETTINGS_MAX_FRAME_SIZE) continue;
      const size = payload.readUInt32BE(offset + 2);
      // Out-of-range values are the peer's protocol error, which Node's session reports; keep the last good one.
      if (size >= DEFAULT_MAX_FRAME_SIZE && size <= 0xff_ffff) this.onMaxFrameSize(size);
    }
  }
}

function byteLength(pieces: readonly Uint8Array[]): number {
  let length = 0;
  for (const piece of pieces) length += piece.byteLength;
  return length;
}
