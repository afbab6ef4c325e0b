// `bst-cas-run cas missing DIGEST...`: which blobs the CAS lacks.
import { Command, Option } from "clipanion";
import { digestText, parseDigestText } from "../client/digest-text.js";
import { ClientStatus } from "../client/exit-status.js";
import { findMissing } from "../client/find-missing.js";
import { CLIENT_DETAILS, ClientCommand } from "./cas-client-command.js";

/** Asks FindMissingBlobs and prints the missing digests. */
export class CasMissingCommand extends ClientCommand {
  static override paths = [["cas", "missing"]];

  static override usage = Command.Usage({
    category: "REAPI client",
    description: "print the digests the CAS does not hold",
    details: `
      Asks FindMissingBlobs about every DIGEST (\`hash/size\`) and prints the missing ones, one
      per line, in the order given. Exits 1 when any is missing, 0 when all are present.
      ${CLIENT_DETAILS}
    `,
    examples: [["Check that an upload is complete", "$0 cas missing $(cat digests.txt)"]],
  });

  json = Option.Boolean("--json", false, { description: 'print {"missing": [...], "present": [...]}' });
  digests = Option.Rest({ name: "DIGEST", required: 1 });

  protected readonly commandName = "cas missing";

  override async execute(): Promise<number> {
    try {
      const digests = this.digests.map((text) => parseDigestText(text));
      return await this.withClients(async (clients) => {
        const missing = new Set((await findMissing(clients, digests)).map(digestText));
        const texts = [...new Set(digests.map(digestText))];
        if (this.json) this.print({ missing: texts.filter((text) => missing.has(text)), present: texts.filter((text) => !missing.has(text)) });
        else for (const text of texts) if (missing.has(text)) this.print(text);
        return missing.size > 0 ? ClientStatus.notFound : ClientStatus.ok;
      });
    } catch (error) {
      return this.fail(error);
    }
  }
}
