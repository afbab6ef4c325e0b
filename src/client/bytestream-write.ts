// ByteStream Write of a blob streamed from a file, never held whole in memory.
import { createReadStream } from "node:fs";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { WriteRequestSchema } from "../gen/google/bytestream/bytestream_pb.js";
import { DigestCheck } from "./blob-hash.js";
import { digestText, type BlobDigest } from "./digest-text.js";
import { failureError } from "./exit-status.js";
import type { ReapiClients } from "./reapi-clients.js";
import { writeResourceName } from "./resource-names.js";

/** Bytes per WriteRequest: well under the 4 MiB message limit of gRPC servers. */
export const WRITE_CHUNK_BYTES = 1024 * 1024;

/** Where a streamed blob's bytes come from: memory (a large Directory message) or a file. */
export type StreamSource = { readonly bytes: Uint8Array } | { readonly path: string };

/**
 * Uploads `source` as the blob `digest` in 1 MiB WriteRequests, calling `onBytes` as each
 * piece is handed to the connection. A file is read piece by piece and hashed on the way: if
 * it no longer matches `digest`, the write is abandoned before `finish_write`, so the server
 * stores nothing, and a failure is thrown.
 */
export async function writeBlob(clients: ReapiClients, source: StreamSource, digest: BlobDigest, onBytes: (bytes: number) => void): Promise<void> {
  const resourceName = writeResourceName(clients.instanceName, digest);
  const what = "path" in source ? source.path : digestText(digest);
  async function* requests(): AsyncGenerator<MessageInitShape<typeof WriteRequestSchema>> {
    const check = new DigestCheck(digest);
    let offset = 0;
    for await (const data of pieces(source)) {
      try {
        check.update(data);
      } catch {
        throw changed(what);
      }
      const last = offset + data.byteLength === digest.sizeBytes;
      if (last && check.finish() !== undefined) throw changed(what);
      yield { resourceName: offset === 0 ? resourceName : "", writeOffset: BigInt(offset), data, finishWrite: last };
      offset += data.byteLength;
      onBytes(data.byteLength);
      if (last) return;
    }
    throw changed(what);
  }
  const response = await clients.byteStream.write(requests());
  if (response.committedSize !== BigInt(digest.sizeBytes)) {
    throw failureError(`ByteStream Write of ${digestText(digest)} committed ${response.committedSize} bytes, not ${digest.sizeBytes}`);
  }
}

async function* pieces(source: StreamSource): AsyncGenerator<Uint8Array> {
  if ("path" in source) {
    for await (const piece of createReadStream(source.path, { highWaterMark: WRITE_CHUNK_BYTES })) yield piece as Buffer;
    return;
  }
  for (let offset = 0; offset < source.bytes.byteLength; offset += WRITE_CHUNK_BYTES) yield source.bytes.subarray(offset, offset + WRITE_CHUNK_BYTES);
}

function changed(what: string) {
  return failureError(`${what} changed while being uploaded`);
}
