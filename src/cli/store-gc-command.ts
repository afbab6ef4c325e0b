// `bst-cas-run store gc`: removes leftovers and evicts least recently used blobs down to a quota.
import { Command, Option } from "clipanion";
import { collectGarbage } from "../backend/local/store-gc.js";
import { reportFailure } from "./report-failure.js";
import { existingStore, storeQuota } from "./store-settings.js";

/** Cleans the store: stale temp files, abandoned uploads, and blobs over the quota. */
export class StoreGcCommand extends Command {
  static override paths = [["store", "gc"]];

  static override usage = Command.Usage({
    category: "Store maintenance",
    description: "remove leftovers from the embedded store and evict blobs over the quota",
    details: `
      Removes temp files that writers which have since died left in \`tmp/\` more than an hour ago,
      and partial resumable uploads untouched for a day; recent files are never removed, so this is
      safe while bst-cas-run runs on the same store.

      With \`--cache-quota SIZE\` (or BST_CAS_RUN_CACHE_QUOTA), when the blobs take more than SIZE,
      the least recently used are removed until they take at most 90% of it. Action-cache entries
      whose blobs are gone then answer NOT_FOUND.

      Exits 0, or 125 with a one-line message when the store cannot be cleaned.
    `,
    examples: [
      ["Clean up the default store", "$0 store gc"],
      ["Bring a store down to 10 GiB", "$0 store gc --cache-dir /var/cache/bst --cache-quota 10G"],
    ],
  });

  cacheDir = Option.String("--cache-dir", { description: "directory of the embedded store (default: $XDG_CACHE_HOME/bst-cas-run)" });
  cacheQuota = Option.String("--cache-quota", { description: "evict least recently used blobs while the blobs take more than SIZE" });

  override async execute(): Promise<number> {
    try {
      const context = { cwd: process.cwd(), env: process.env };
      const layout = existingStore(this.cacheDir, context);
      const quotaBytes = storeQuota(this.cacheQuota, context);
      const report = await collectGarbage(layout, quotaBytes !== undefined ? { quotaBytes } : {});
      this.context.stdout.write(
        `removed ${report.tempFilesRemoved} temp files (${report.tempBytesRemoved} bytes), ` +
          `evicted ${report.blobsEvicted} blobs (${report.bytesEvicted} bytes); ` +
          `${report.blobs} blobs (${report.blobBytes} bytes) remain\n`,
      );
      return 0;
    } catch (error) {
      return reportFailure(error, this.context.stderr);
    }
  }
}
