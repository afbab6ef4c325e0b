// Turns the per-blob status of a batch answer into an error the commands report.
import { Code, ConnectError } from "@connectrpc/connect";
import { digestText, type BlobDigest } from "./digest-text.js";

/** Throws a ConnectError with the item's code unless `status` is OK (or absent, which means OK). */
export function checkItemStatus(method: string, digest: BlobDigest, status: { code: number; message: string } | undefined): void {
  if (status === undefined || status.code === 0) return;
  const code = status.code in Code ? (status.code as Code) : Code.Unknown;
  throw new ConnectError(`${method} of ${digestText(digest)}: ${status.message}`, code);
}
