// `bst-cas-run ac put ACTION_DIGEST --result FILE.json`: stores an ActionResult, where the policy allows.
import { readFile } from "node:fs/promises";
import { Command, Option } from "clipanion";
import { parseDigestText } from "../client/digest-text.js";
import { usageError } from "../client/exit-status.js";
import { parseActionResultJson } from "../client/proto-json.js";
import { CLIENT_DETAILS, ClientCommand } from "./cas-client-command.js";

/** Reads an ActionResult from JSON and sends UpdateActionResult. */
export class AcPutCommand extends ClientCommand {
  static override paths = [["ac", "put"]];

  static override usage = Command.Usage({
    category: "REAPI client",
    description: "store an action result in the action cache",
    details: `
      Reads an ActionResult in proto3 JSON (as \`ac get --json\` prints; \`-\` reads stdin) and
      sends UpdateActionResult for ACTION_DIGEST. The blobs it names should be in the CAS
      first (\`cas put\`). Inside a bst-cas-run sandbox this works only when the run allows
      action cache updates (\`--action-cache-enable-update\`): otherwise the server answers
      PERMISSION_DENIED and this exits 4.
      ${CLIENT_DETAILS}
    `,
    examples: [["Store a result", "$0 ac put 0b3f...c4/142 --result result.json"]],
  });

  result = Option.String("--result", { required: true, description: "FILE holding the ActionResult as proto3 JSON (- for stdin)" });
  actionDigest = Option.String({ name: "ACTION_DIGEST" });

  protected readonly commandName = "ac put";

  override async execute(): Promise<number> {
    try {
      const digest = parseDigestText(this.actionDigest, "ACTION_DIGEST");
      const source = this.result === "-" ? "stdin" : this.result;
      const text = await (this.result === "-" ? readStream(this.context.stdin) : readFile(this.result, "utf8")).catch((error: Error) => {
        throw usageError(`--result: cannot read ${source}: ${error.message}`);
      });
      const actionResult = parseActionResultJson(text, source);
      return await this.withClients(async (clients) => {
        await clients.actionCache.updateActionResult({
          instanceName: clients.instanceName,
          actionDigest: { hash: digest.hash, sizeBytes: BigInt(digest.sizeBytes) },
          actionResult,
        });
        return 0;
      });
    } catch (error) {
      return this.fail(error);
    }
  }
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const pieces: Buffer[] = [];
  for await (const piece of stream) pieces.push(Buffer.isBuffer(piece) ? piece : Buffer.from(piece));
  return Buffer.concat(pieces).toString("utf8");
}
