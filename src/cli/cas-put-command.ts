// `bst-cas-run cas put PATH...`: uploads files and directory trees, prints a digest per path.
import { Command, Option } from "clipanion";
import { BlobSet } from "../client/blob-set.js";
import { digestText } from "../client/digest-text.js";
import { createLimiter } from "../client/limit.js";
import { collectPaths, type PutTarget } from "../client/put-paths.js";
import { fetchTransferLimits } from "../client/transfer-limits.js";
import { uploadBlobSet, type UploadSummary } from "../client/upload.js";
import { CLIENT_DETAILS, ClientCommand } from "./cas-client-command.js";

/** File system calls and hashes running at once while the trees are read. */
const READERS_AT_ONCE = 16;

/** Uploads paths to the CAS as casupload does and prints their digests. */
export class CasPutCommand extends ClientCommand {
  static override paths = [["cas", "put"]];

  static override usage = Command.Usage({
    category: "REAPI client",
    description: "upload files and directory trees to the CAS and print their digests",
    details: `
      Prints one digest (\`hash/size\`) per PATH, in order. A directory's digest is its root
      Directory message, built as casupload builds it (same digest): files with their
      owner-executable bit, symlinks kept (never followed), sockets and FIFOs left out with a
      warning, no mtimes or modes. A file's digest is, like every digest printed here, a
      Directory's: one holding just that file under its base name (what casupload prints when
      given the bare file name); \`--blob\` prints the digest of the file's contents instead.
      A PATH that is a symlink is followed.

      Asks FindMissingBlobs first and uploads only what the server lacks: small blobs with
      BatchUpdateBlobs within the server's batch limit, large files streamed from disk with
      ByteStream Write. \`--dry-run\` computes and prints the digests without any server.
      ${CLIENT_DETAILS}
    `,
    examples: [
      ["Upload a directory inside a bst-cas-run sandbox", "$0 cas put out/"],
      ["Upload a file and print its contents' digest", "$0 cas put --blob build.log"],
      ["Upload to a buildbox-casd socket", "$0 cas put --server unix:/run/casd/casd.sock src/"],
    ],
  });

  blob = Option.Boolean("--blob", false, { description: "for a file, print the digest of its contents, not of a Directory holding it" });
  dryRun = Option.Boolean("--dry-run", false, { description: "compute and print the digests; upload nothing" });
  json = Option.Boolean("--json", false, { description: "print one JSON object: each path's digest and what was uploaded" });
  inputs = Option.Rest({ name: "PATH", required: 1 });

  protected readonly commandName = "cas put";

  override async execute(): Promise<number> {
    let targets: PutTarget[];
    const blobs = new BlobSet();
    try {
      targets = await collectPaths(this.inputs, { blobDigests: this.blob }, blobs, createLimiter(READERS_AT_ONCE));
    } catch (error) {
      return this.fail(error);
    }
    for (const path of blobs.skipped) this.context.stderr.write(`bst-cas-run: cas put: skipped ${path}: not a file, directory or symlink\n`);
    if (this.dryRun) {
      this.report(targets, blobs, undefined);
      return 0;
    }
    return this.withClients(async (clients) => {
      const limits = await fetchTransferLimits(clients);
      const progress = this.progress("uploading");
      let summary: UploadSummary;
      try {
        summary = await uploadBlobSet(clients, limits, blobs, progress);
      } finally {
        progress.finish();
      }
      this.report(targets, blobs, summary);
      return 0;
    });
  }

  private report(targets: readonly PutTarget[], blobs: BlobSet, summary: UploadSummary | undefined): void {
    if (!this.json) {
      for (const target of targets) this.print(digestText(target.digest));
      return;
    }
    const totals = blobs.totals();
    this.print({
      paths: targets.map((target) => ({
        path: target.path,
        kind: target.kind,
        digest: digestText(target.digest),
        ...(target.blob !== undefined ? { blob: digestText(target.blob) } : {}),
      })),
      blobs: totals.blobs,
      bytes: totals.bytes,
      uploadedBlobs: summary?.uploadedBlobs ?? 0,
      uploadedBytes: summary?.uploadedBytes ?? 0,
      skipped: blobs.skipped,
    });
  }
}
