// The exit status of a client command line that does not parse: kept apart from the commands so that main loads none of them for it.
import { ClientStatus } from "../client/exit-status.js";

/** The first words of the client commands' paths. */
export const CLIENT_COMMAND_WORDS: ReadonlySet<string> = new Set(["cas", "ac", "capabilities"]);

/** The exit status for a command line clipanion cannot parse: 2 for the client commands, undefined for the others. */
export function clientUsageStatus(argv: readonly string[]): number | undefined {
  return argv[0] !== undefined && CLIENT_COMMAND_WORDS.has(argv[0]) ? ClientStatus.usage : undefined;
}
