// A generic gRPC client for tests: grpc-js calls of any shape by path, protobuf-es messages.
import { createCipheriv, createHash } from "node:crypto";
import { fromBinary, toBinary, create, type DescMessage, type DescMethod, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import grpc from "@grpc/grpc-js";

/** The four gRPC call shapes, spelt as protobuf-es spells `methodKind`. */
export type Shape = DescMethod["methodKind"];

/** How a call ended: the gRPC status and every response message, undecoded. */
export interface RawAnswer {
  /** The gRPC status code: 0 for OK. */
  readonly code: number;
  readonly details: string;
  readonly messages: Buffer[];
}

/** How a call ended, with the responses decoded. */
export interface Answer<T> {
  readonly code: number;
  readonly details: string;
  readonly responses: T[];
}

/** Per-call options. */
export interface CallOptions {
  /** Milliseconds before the client gives up with DEADLINE_EXCEEDED; 10 s by default. */
  readonly deadlineMs?: number;
  readonly metadata?: grpc.Metadata;
}

const identity = (buffer: Buffer): Buffer => buffer;
const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * Calls `path` with raw request bodies in the given shape. Unary and server-streaming calls
 * send the first body (an empty message when there is none); streaming clients send them all
 * and then half-close. Never rejects: every ending is an answer.
 */
export function callRaw(
  client: grpc.Client,
  path: string,
  shape: Shape,
  bodies: readonly Uint8Array[],
  options: CallOptions = {},
): Promise<RawAnswer> {
  const metadata = options.metadata ?? new grpc.Metadata();
  const callOptions: grpc.CallOptions = { deadline: Date.now() + (options.deadlineMs ?? 10_000) };
  const first = asBuffer(bodies[0] ?? new Uint8Array());
  return new Promise((resolve) => {
    const messages: Buffer[] = [];
    const done = (error: grpc.ServiceError | null, last?: Buffer): void => {
      if (last !== undefined) messages.push(last);
      resolve(error === null ? { code: 0, details: "", messages } : { code: error.code, details: error.details, messages });
    };
    switch (shape) {
      case "unary":
        client.makeUnaryRequest(path, identity, identity, first, metadata, callOptions, (error, value) => done(error, value));
        return;
      case "client_streaming": {
        const call = client.makeClientStreamRequest(path, identity, identity, metadata, callOptions, (error, value) => done(error, value));
        for (const body of bodies) call.write(asBuffer(body));
        call.end();
        return;
      }
      case "server_streaming":
      case "bidi_streaming": {
        const call =
          shape === "server_streaming"
            ? client.makeServerStreamRequest(path, identity, identity, first, metadata, callOptions)
            : client.makeBidiStreamRequest(path, identity, identity, metadata, callOptions);
        if (shape === "bidi_streaming") {
          const duplex = call as grpc.ClientDuplexStream<Buffer, Buffer>;
          for (const body of bodies) duplex.write(asBuffer(body));
          duplex.end();
        }
        // 'status' comes once the stream has ended, whichever way it ended.
        call.on("data", (message: Buffer) => messages.push(message));
        call.on("error", () => undefined);
        call.on("status", (status: grpc.StatusObject) =>
          resolve({ code: status.code, details: status.details, messages }),
        );
        return;
      }
    }
  });
}

/** The gRPC path of a protobuf-es method: `/package.Service/Method`. */
export function pathOf(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}

/** Calls a generated method with protobuf-es messages in its own shape and decodes the answers. */
export async function call<I extends DescMessage, O extends DescMessage>(
  client: grpc.Client,
  method: DescMethod & { readonly input: I; readonly output: O },
  requests: MessageInitShape<I> | readonly MessageInitShape<I>[],
  options: CallOptions = {},
): Promise<Answer<MessageShape<O>>> {
  const list = (Array.isArray(requests) ? requests : [requests]) as readonly MessageInitShape<I>[];
  const bodies = list.map((init) => toBinary(method.input, create(method.input, init)));
  const raw = await callRaw(client, pathOf(method), method.methodKind, bodies, options);
  return {
    code: raw.code,
    details: raw.details,
    responses: raw.messages.map((bytes) => fromBinary(method.output, bytes) as MessageShape<O>),
  };
}

/** The SHA-256 digest of `data` in wire form. */
export function digestOf(data: Uint8Array): { hash: string; sizeBytes: bigint } {
  return { hash: createHash("sha256").update(data).digest("hex"), sizeBytes: BigInt(data.byteLength) };
}

/** Deterministic pseudo-random bytes of any size (an AES-CTR keystream), distinct per `label`. */
export function blobOf(size: number, label: string): Buffer {
  const key = createHash("sha256").update(label).digest();
  const cipher = createCipheriv("aes-256-ctr", key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(size)), cipher.final()]);
}

/** The name of a gRPC status code, for messages: `PERMISSION_DENIED (7)`. */
export function codeName(code: number): string {
  return `${grpc.status[code] ?? "?"} (${code})`;
}
