// ByteStream requests checked before any I/O: resource names against the policy, and Read ranges.
import { Code, ConnectError } from "@connectrpc/connect";
import type { ReadRequest } from "../gen/google/bytestream/bytestream_pb.js";
import type { BlobDigest } from "../policy/digest.js";
import { checkInstanceName } from "../policy/instance-name.js";
import { parseReadResourceName, parseWriteResourceName, type BlobResourceName } from "../policy/resource-name.js";
import type { ServerContext } from "./server-context.js";

/** A ByteStream resource name checked against the grammar, the size limit, the instance name and the compressors served. */
export function parseBlobResourceName(name: string, kind: "read" | "write", server: ServerContext): BlobResourceName {
  const maxBlobSizeBytes = server.limits.maxBlobSizeBytes;
  const parsed = kind === "read" ? parseReadResourceName(name, maxBlobSizeBytes) : parseWriteResourceName(name, maxBlobSizeBytes);
  checkInstanceName(parsed.instanceName, server.instanceName);
  if (parsed.compressor !== undefined && parsed.compressor !== "identity") {
    throw new ConnectError(`compressor ${JSON.stringify(parsed.compressor)} is not supported by this server`, Code.InvalidArgument);
  }
  return parsed;
}

/** What a valid ReadRequest asks for. */
export interface BlobRead {
  readonly digest: BlobDigest;
  readonly offset: number;
  /** Most bytes to send; 0 for no limit. */
  readonly limit: number;
}

/** Checks a ReadRequest: its resource name, a non-negative limit, and an offset within the blob. */
export function parseReadRequest(request: ReadRequest, server: ServerContext): BlobRead {
  const { digest } = parseBlobResourceName(request.resourceName, "read", server);
  if (request.readOffset < 0n) throw new ConnectError("read_offset is negative", Code.OutOfRange);
  if (request.readLimit < 0n) throw new ConnectError("read_limit is negative", Code.InvalidArgument);
  if (request.readOffset > BigInt(digest.sizeBytes)) {
    throw new ConnectError(`read_offset ${request.readOffset} is past the blob's ${digest.sizeBytes} bytes`, Code.OutOfRange);
  }
  // A limit past the blob's end reads to the end; clamped, it stays an exact number.
  const limit = request.readLimit > BigInt(digest.sizeBytes) ? digest.sizeBytes : Number(request.readLimit);
  return { digest, offset: Number(request.readOffset), limit };
}
