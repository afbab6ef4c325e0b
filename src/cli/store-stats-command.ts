// `bst-cas-run store stats`: what the embedded store holds.
import { Command, Option } from "clipanion";
import { storeStats, type StoreStats } from "../backend/local/store-stats.js";
import { reportFailure } from "./report-failure.js";
import { existingStore } from "./store-settings.js";

/** Prints the counts and sizes of blobs, action-cache entries, temp files and partial uploads. */
export class StoreStatsCommand extends Command {
  static override paths = [["store", "stats"]];

  static override usage = Command.Usage({
    category: "Store maintenance",
    description: "show what the embedded store holds",
    details: `
      Counts the blobs in the store's \`cas/\` directory and their bytes (what \`--cache-quota\`
      limits), the action-cache entries, the temp files of writes in progress or left by crashed
      writers, and the partial resumable uploads. Reads only; safe while bst-cas-run runs.

      The store is \`--cache-dir\` (or BST_CAS_RUN_CACHE_DIR, default $XDG_CACHE_HOME/bst-cas-run).
      Exits 0, or 125 with a one-line message when the store cannot be read.
    `,
    examples: [
      ["Show the default store", "$0 store stats"],
      ["As JSON, for scripts", "$0 store stats --cache-dir /var/cache/bst --json"],
    ],
  });

  cacheDir = Option.String("--cache-dir", { description: "directory of the embedded store (default: $XDG_CACHE_HOME/bst-cas-run)" });
  json = Option.Boolean("--json", false, { description: "print one JSON object instead of text" });

  override async execute(): Promise<number> {
    try {
      const layout = existingStore(this.cacheDir, { cwd: process.cwd(), env: process.env });
      const stats = await storeStats(layout);
      this.context.stdout.write(this.json ? `${JSON.stringify({ cacheDir: layout.root, ...stats })}\n` : describe(layout.root, stats));
      return 0;
    } catch (error) {
      return reportFailure(error, this.context.stderr);
    }
  }
}

function describe(root: string, stats: StoreStats): string {
  const line = (label: string, tally: { count: number; bytes: number }) => `${label.padEnd(16)}${String(tally.count).padStart(10)}  ${String(tally.bytes).padStart(15)} bytes\n`;
  return (
    `store ${root}\n` +
    line("blobs", stats.blobs) +
    line("action results", stats.actionResults) +
    line("temp files", stats.tempFiles) +
    line("partial uploads", stats.partialUploads)
  );
}
