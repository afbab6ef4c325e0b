// gRPC length-prefixed messages: cut out of a body (as views of the DATA chunks they lie in), and framed by hand around blob data.
import { Code, ConnectError } from "@connectrpc/connect";
import { joinParts } from "./message-parts.js";

/** The bytes received and not yet taken, as the chunks they arrived in. */
class ByteQueue {
  readonly #chunks: Buffer[] = [];
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(chunk: Buffer): void {
    if (chunk.byteLength === 0) return;
    this.#chunks.push(chunk);
    this.#length += chunk.byteLength;
  }

  /** The next `count` bytes (at most `length`), as views of the chunks they lie in. */
  take(count: number): Buffer[] {
    this.#length -= count;
    const parts: Buffer[] = [];
    let left = count;
    while (left > 0) {
      const chunk = this.#chunks[0] as Buffer;
      if (chunk.byteLength > left) {
        parts.push(chunk.subarray(0, left));
        this.#chunks[0] = chunk.subarray(left);
        break;
      }
      parts.push(chunk);
      this.#chunks.shift();
      left -= chunk.byteLength;
    }
    return parts;
  }
}

/**
 * The messages of a gRPC request body, in order, each one buffer (copied together when it
 * straddles DATA chunks); the errors of {@link grpcMessageParts}.
 */
export async function* grpcMessages(body: AsyncIterable<Buffer | readonly Buffer[]>, maxMessageBytes: number): AsyncGenerator<Buffer, void, undefined> {
  for await (const parts of grpcMessageParts(body, maxMessageBytes)) yield joinParts(parts);
}

/**
 * The messages of a gRPC request body, in order, each as views of the DATA chunks it lies in
 * (nothing copied; an empty message is no parts). The body comes chunk by chunk or in batches of
 * chunks (each batch is framed without waiting in between). Compressed messages are INTERNAL (this server
 * accepts no compression), a message over `maxMessageBytes` is RESOURCE_EXHAUSTED, and a body
 * that ends inside a message is INVALID_ARGUMENT.
 */
export async function* grpcMessageParts(body: AsyncIterable<Buffer | readonly Buffer[]>, maxMessageBytes: number): AsyncGenerator<Buffer[], void, undefined> {
  const queue = new ByteQueue();
  let need: number | undefined;
  for await (const chunks of body) {
    if (Buffer.isBuffer(chunks)) queue.push(chunks);
    else for (const chunk of chunks) queue.push(chunk);
    for (;;) {
      if (need === undefined) {
        if (queue.length < 5) break;
        const prefix = joinParts(queue.take(5));
        if (prefix[0] !== 0) throw new ConnectError("received compressed message, but this server accepts no compression", Code.Internal);
        need = prefix.readUInt32BE(1);
        if (need > maxMessageBytes) {
          throw new ConnectError(`a request message of ${need} bytes is over this server's limit of ${maxMessageBytes}`, Code.ResourceExhausted);
        }
      }
      if (queue.length < need) break;
      const message = queue.take(need);
      need = undefined;
      yield message;
    }
  }
  if (need !== undefined || queue.length > 0) throw new ConnectError("the request ended inside a message", Code.InvalidArgument);
}

/** `message` behind its 5-byte gRPC prefix (uncompressed). */
export function grpcFrame(message: Uint8Array): Buffer {
  const framed = Buffer.allocUnsafe(5 + message.byteLength);
  framed[0] = 0;
  framed.writeUInt32BE(message.byteLength, 1);
  framed.set(message, 5);
  return framed;
}

/** `data` is field 10 of ReadResponse and WriteRequest alike, length-delimited: tag (10 << 3) | 2. */
const DATA_FIELD_TAG = 0x52;

/** The tag and length varint that precede `length` bytes of a ByteStream `data` field. */
export function dataFieldHeader(length: number): Buffer {
  const bytes = [DATA_FIELD_TAG];
  let rest = length;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

/**
 * The gRPC prefix and the bytes before `dataLength` bytes of data in a message made of `fields`
 * (its other fields, encoded) and a `data` field: write these, then the data itself.
 */
export function framedDataHeader(fields: Uint8Array, dataLength: number): Buffer {
  const header = dataLength > 0 ? dataFieldHeader(dataLength) : Buffer.alloc(0);
  const out = Buffer.allocUnsafe(5 + fields.byteLength + header.byteLength);
  out[0] = 0;
  out.writeUInt32BE(fields.byteLength + header.byteLength + dataLength, 1);
  out.set(fields, 5);
  out.set(header, 5 + fields.byteLength);
  return out;
}

/**
 * Follows the framing of a stream of ReadResponse messages passed on unchanged, chunk by chunk,
 * and counts the blob bytes in them. Throws INTERNAL for a compressed or oversized message, and
 * for a message that is not the bare `data` field this counting assumes.
 */
export class ReadResponseFrameCounter {
  /** Blob bytes in the messages seen so far. */
  dataBytes = 0;
  readonly #prefix = Buffer.alloc(5);
  #prefixFilled = 0;
  #bodyLeft = 0;
  #firstBodyByte = false;

  constructor(private readonly maxMessageBytes: number) {}

  /** Takes the next chunk of the stream. */
  see(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.byteLength) {
      if (this.#bodyLeft > 0) {
        if (this.#firstBodyByte && chunk[at] !== DATA_FIELD_TAG) throw new ConnectError("the upstream sent a ReadResponse with fields other than data", Code.Internal);
        this.#firstBodyByte = false;
        const take = Math.min(this.#bodyLeft, chunk.byteLength - at);
        this.#bodyLeft -= take;
        at += take;
        continue;
      }
      this.#prefix[this.#prefixFilled++] = chunk[at++] as number;
      if (this.#prefixFilled < 5) continue;
      this.#prefixFilled = 0;
      if (this.#prefix[0] !== 0) throw new ConnectError("the upstream sent a compressed message", Code.Internal);
      const length = this.#prefix.readUInt32BE(1);
      if (length > this.maxMessageBytes) throw new ConnectError(`the upstream sent a message of ${length} bytes`, Code.Internal);
      this.#bodyLeft = length;
      this.#firstBodyByte = length > 0;
      this.dataBytes += dataBytesIn(length);
    }
  }

  /** True when the stream so far ends on a message boundary. */
  get complete(): boolean {
    return this.#bodyLeft === 0 && this.#prefixFilled === 0;
  }
}

/** The data bytes in a message of `messageLength` bytes that holds only a `data` field. */
function dataBytesIn(messageLength: number): number {
  if (messageLength === 0) return 0;
  for (let varintBytes = 1; varintBytes <= 5; varintBytes++) {
    const data = messageLength - 1 - varintBytes;
    if (data >= 0 && dataFieldHeader(data).byteLength === 1 + varintBytes) return data;
  }
  throw new ConnectError("the upstream sent a ReadResponse whose data field does not add up", Code.Internal);
}
