// `bst-cas-run capabilities`: what the REAPI server says it offers.
import { Command, Option } from "clipanion";
import {
  DigestFunction_Value,
  type ServerCapabilities,
} from "../gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { capabilitiesToJson } from "../client/proto-json.js";
import { CLIENT_DETAILS, ClientCommand } from "./cas-client-command.js";

/** Asks GetCapabilities and prints the answer. */
export class CapabilitiesCommand extends ClientCommand {
  static override paths = [["capabilities"]];

  static override usage = Command.Usage({
    category: "REAPI client",
    description: "print the REAPI server's capabilities",
    details: `
      Asks GetCapabilities and prints the digest functions, batch and blob size limits, whether
      the action cache takes updates and whether remote execution is offered; with \`--json\`
      the ServerCapabilities message as proto3 JSON.
      ${CLIENT_DETAILS}
    `,
    examples: [["Can this sandbox write to the action cache?", "$0 capabilities --json"]],
  });

  json = Option.Boolean("--json", false, { description: "print the ServerCapabilities message as proto3 JSON" });

  protected readonly commandName = "capabilities";

  override async execute(): Promise<number> {
    return this.withClients(async (clients) => {
      const capabilities = await clients.capabilities.getCapabilities({ instanceName: clients.instanceName });
      if (this.json) this.print(capabilitiesToJson(capabilities) as object);
      else this.context.stdout.write(describeCapabilities(clients.serverText, clients.instanceName, capabilities));
      return 0;
    });
  }
}

/** The capabilities as `name: value` lines. */
export function describeCapabilities(server: string, instanceName: string, capabilities: ServerCapabilities): string {
  const cache = capabilities.cacheCapabilities;
  const execution = capabilities.executionCapabilities;
  const version = (v: { major: number; minor: number; patch: number } | undefined) => (v === undefined ? "?" : `${v.major}.${v.minor}.${v.patch}`);
  const lines = [
    `server: ${server}`,
    `instance: ${JSON.stringify(instanceName)}`,
    `api versions: ${version(capabilities.lowApiVersion)} to ${version(capabilities.highApiVersion)}`,
    `digest functions: ${(cache?.digestFunctions ?? []).map((f) => DigestFunction_Value[f] ?? String(f)).join(", ") || "(none listed)"}`,
    `max batch total size: ${cache === undefined || cache.maxBatchTotalSizeBytes === 0n ? "no limit given" : `${cache.maxBatchTotalSizeBytes} bytes`}`,
    `max blob size: ${cache === undefined || cache.maxCasBlobSizeBytes === 0n ? "no limit given" : `${cache.maxCasBlobSizeBytes} bytes`}`,
    `action cache updates: ${cache?.actionCacheUpdateCapabilities?.updateEnabled === true ? "enabled" : "disabled"}`,
    `remote execution: ${execution?.execEnabled === true ? "enabled" : "disabled"}`,
  ];
  return `${lines.join("\n")}\n`;
}
