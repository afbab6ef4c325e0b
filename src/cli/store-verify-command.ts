// `bst-cas-run store verify`: re-hashes every blob and parses every action-cache entry, removing damaged ones.
import { Command, Option } from "clipanion";
import { verifyStore } from "../backend/local/store-verify.js";
import { reportFailure } from "./report-failure.js";
import { existingStore } from "./store-settings.js";

/** Checks the whole store; exit 1 when something was damaged (and removed), 0 when all is sound. */
export class StoreVerifyCommand extends Command {
  static override paths = [["store", "verify"]];

  static override usage = Command.Usage({
    category: "Store maintenance",
    description: "check every blob and action-cache entry of the embedded store",
    details: `
      Reads every blob in \`cas/\` (streaming, never whole) and checks that it hashes to its name,
      and parses every action-cache entry as an ActionResult. Each damaged file, and any file whose
      name or place is not one the store makes, is reported on stdout as \`removed PATH: WHY\` and
      removed, so that the store never hands it out. Safe while bst-cas-run runs on the store.

      Exits 0 when everything was sound, 1 when damage was found (and removed), 125 with a
      one-line message when the store cannot be read.
    `,
    examples: [["Check the default store", "$0 store verify"]],
  });

  cacheDir = Option.String("--cache-dir", { description: "directory of the embedded store (default: $XDG_CACHE_HOME/bst-cas-run)" });

  override async execute(): Promise<number> {
    try {
      const layout = existingStore(this.cacheDir, { cwd: process.cwd(), env: process.env });
      const report = await verifyStore(layout, (damage) => this.context.stdout.write(`removed ${damage.path}: ${damage.why}\n`));
      const damaged = report.badBlobs.length + report.badActionResults.length;
      this.context.stdout.write(
        `checked ${report.blobsChecked} blobs (${report.bytesChecked} bytes) and ${report.actionResultsChecked} action results: ` +
          `${damaged === 0 ? "all sound" : `${report.badBlobs.length} bad blobs, ${report.badActionResults.length} bad action results removed`}\n`,
      );
      return damaged === 0 ? 0 : 1;
    } catch (error) {
      return reportFailure(error, this.context.stderr);
    }
  }
}
