// `bst-cas-run cas get DIGEST [-o PATH] [--tree]`: a blob to stdout or a file, or a whole tree.
import { resolve } from "node:path";
import { Command, Option } from "clipanion";
import { downloadBlobToFile, downloadBlobToStream } from "../client/blob-output.js";
import { parseDigestText } from "../client/digest-text.js";
import { usageError } from "../client/exit-status.js";
import { fetchTransferLimits } from "../client/transfer-limits.js";
import { fetchTree } from "../client/tree-fetch.js";
import { materialiseTree } from "../client/tree-materialise.js";
import { CLIENT_DETAILS, ClientCommand } from "./cas-client-command.js";

/** Downloads a blob or materialises a Directory tree. */
export class CasGetCommand extends ClientCommand {
  static override paths = [["cas", "get"]];

  static override usage = Command.Usage({
    category: "REAPI client",
    description: "download a blob, or materialise a directory tree",
    details: `
      Streams the blob DIGEST (\`hash/size\`) with ByteStream Read to stdout, or to \`-o PATH\`
      (written beside PATH and renamed into place once complete and verified).

      With \`--tree\`, DIGEST is a Directory (as \`cas put\` prints) and the tree below it is
      written at \`-o PATH\`, which must not exist or be an empty directory: directories, files
      (mode 0755 when executable, 0644 otherwise, less the umask) and symlinks as recorded.

      Every byte is checked against its digest; a mismatch exits 5 (on stdout the bytes are
      already written). A missing blob exits 1.
      ${CLIENT_DETAILS}
    `,
    examples: [
      ["Print a blob", "$0 cas get 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08/4"],
      ["Materialise a tree", "$0 cas get --tree -o out/ $(bst-cas-run cas put src/)"],
    ],
  });

  output = Option.String("-o,--output", { description: "write to PATH instead of stdout (required with --tree)" });
  tree = Option.Boolean("--tree", false, { description: "DIGEST is a Directory: write its whole tree at -o PATH" });
  digest = Option.String({ name: "DIGEST" });

  protected readonly commandName = "cas get";

  override async execute(): Promise<number> {
    try {
      const digest = parseDigestText(this.digest);
      if (this.tree && this.output === undefined) throw usageError("--tree needs -o PATH: a tree cannot go to stdout");
      return await this.withClients(async (clients) => {
        const progress = this.progress("downloading", this.tree ? undefined : digest.sizeBytes);
        try {
          if (this.tree) {
            const limits = await fetchTransferLimits(clients);
            await materialiseTree(clients, limits, await fetchTree(clients, limits, digest), resolve(this.output as string), progress);
          } else if (this.output !== undefined) {
            await downloadBlobToFile(clients, digest, resolve(this.output), progress);
          } else {
            await downloadBlobToStream(clients, digest, this.context.stdout, progress);
          }
        } finally {
          progress.finish();
        }
        return 0;
      });
    } catch (error) {
      return this.fail(error);
    }
  }
}
