// `bst-cas-run ac get ACTION_DIGEST`: the cached ActionResult of an action.
import { Code, ConnectError } from "@connectrpc/connect";
import { Command, Option } from "clipanion";
import { digestText, parseDigestText } from "../client/digest-text.js";
import { notFoundError } from "../client/exit-status.js";
import { actionResultToJson } from "../client/proto-json.js";
import { describeActionResult } from "./ac-result-text.js";
import { CLIENT_DETAILS, ClientCommand } from "./cas-client-command.js";

/** Asks GetActionResult and prints the result. */
export class AcGetCommand extends ClientCommand {
  static override paths = [["ac", "get"]];

  static override usage = Command.Usage({
    category: "REAPI client",
    description: "print the action cache's result for an action",
    details: `
      Asks GetActionResult for ACTION_DIGEST (\`hash/size\` of the Action message) and prints
      the ActionResult: a summary, or with \`--json\` the message as proto3 JSON (what
      \`ac put --result\` reads). Exits 1 when the action cache holds no result for it.
      ${CLIENT_DETAILS}
    `,
    examples: [["Save a result as JSON", "$0 ac get --json 0b3f...c4/142 > result.json"]],
  });

  json = Option.Boolean("--json", false, { description: "print the ActionResult as proto3 JSON" });
  actionDigest = Option.String({ name: "ACTION_DIGEST" });

  protected readonly commandName = "ac get";

  override async execute(): Promise<number> {
    try {
      const digest = parseDigestText(this.actionDigest, "ACTION_DIGEST");
      return await this.withClients(async (clients) => {
        let result;
        try {
          result = await clients.actionCache.getActionResult({
            instanceName: clients.instanceName,
            actionDigest: { hash: digest.hash, sizeBytes: BigInt(digest.sizeBytes) },
          });
        } catch (error) {
          if (error instanceof ConnectError && error.code === Code.NotFound) throw notFoundError(`no action result for ${digestText(digest)}`);
          throw error;
        }
        if (this.json) this.print(actionResultToJson(result) as object);
        else this.context.stdout.write(describeActionResult(result));
        return 0;
      });
    } catch (error) {
      return this.fail(error);
    }
  }
}
