// `cas get` of one blob: streamed to stdout, or to a file that appears only once complete.
import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Writable } from "node:stream";
import { readBlob } from "./bytestream-read.js";
import type { BlobDigest } from "./digest-text.js";
import { failureError } from "./exit-status.js";
import type { Progress } from "./progress.js";
import type { ReapiClients } from "./reapi-clients.js";
import { writeAll } from "./write-all.js";

/**
 * Streams the blob to `path` through a temporary file beside it, renamed into place once the
 * blob is complete and verified (so a failed download leaves nothing at `path`).
 */
export async function downloadBlobToFile(clients: ReapiClients, digest: BlobDigest, path: string, progress: Progress): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.part`);
  const handle = await open(temporary, "wx", 0o644);
  try {
    await readBlob(clients, digest, async (piece) => {
      await writeAll(handle, piece);
      progress.add(piece.byteLength);
    });
    await handle.close();
    await rename(temporary, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Streams the blob to `out` (stdout), each piece flushed before the next is asked for. When
 * the blob turns out not to match its digest the bytes are already written: the exit status
 * (5) is then the only signal. A write error (EPIPE) ends the download with that error.
 */
export async function downloadBlobToStream(clients: ReapiClients, digest: BlobDigest, out: Writable, progress: Progress): Promise<void> {
  let failure: Error | undefined;
  // Kept for the life of the stream: a late EPIPE must not become an uncaught 'error' event.
  out.on("error", (error: Error) => {
    failure ??= error;
  });
  try {
    await readBlob(clients, digest, async (piece) => {
      if (failure !== undefined) throw failure;
      await new Promise<void>((resolve, reject) => out.write(piece, (error) => (error ? reject(error) : resolve())));
      progress.add(piece.byteLength);
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EPIPE") throw failureError("the output was closed before the whole blob was written", error);
    throw error;
  }
}
