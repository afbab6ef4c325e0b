// Turns clipanion's parse errors, which can run to dozens of lines of usage, into one line naming what was wrong.

/** A command clipanion considered for the command line, and why it did not fit (null: no single reason). */
interface Candidate {
  readonly usage: string;
  readonly reason: string | null;
}

/** The first word of every usage clipanion prints. */
const BINARY = "bst-cas-run";

/**
 * One line, without the `bst-cas-run: ` prefix, saying why `argv` could not be parsed, and
 * which `--help` to read. `error` is what clipanion's `Cli.process` threw: an
 * UnknownSyntaxError (with its candidates), an AmbiguousSyntaxError, or anything else, of which
 * the first line is kept.
 */
export function parseErrorLine(error: unknown, argv: readonly string[]): string {
  const candidates = candidatesOf(error);
  if (candidates === undefined) {
    const message = error instanceof Error ? error.message : String(error);
    const first = message.split("\n")[0] ?? "";
    if (error instanceof Error && error.name === "AmbiguousSyntaxError") return `ambiguous command line: ${shown(argv)}${hint([])}`;
    return `${first}${hint([])}`;
  }
  const own = candidates.filter((candidate) => !isHelpUsage(candidate.usage));
  const withReason = own.find((candidate) => candidate.reason !== null);
  if (withReason !== undefined) {
    const path = pathOf(withReason.usage);
    return `${expectedPositionals(withReason) ?? valueForSwitch(withReason) ?? withReason.reason}${hint(path)}`;
  }
  if (own.length === 1) {
    const path = pathOf(own[0]!.usage);
    const missing = missingRequiredOptions(own[0]!.usage, argv);
    const prefix = path.length > 0 ? `${path.join(" ")}: ` : "";
    if (missing.length > 0) return `${prefix}missing ${missing.join(", ")}${hint(path)}`;
    return `${prefix}cannot parse: ${shown(argv)}${hint(path)}`;
  }
  return unknownSubcommand(own.map((candidate) => pathOf(candidate.usage)), argv);
}

/** The candidates of an UnknownSyntaxError, or undefined for any other error. */
function candidatesOf(error: unknown): readonly Candidate[] | undefined {
  if (!(error instanceof Error) || error.name !== "UnknownSyntaxError") return undefined;
  const candidates = (error as { candidates?: unknown }).candidates;
  return Array.isArray(candidates) ? (candidates as Candidate[]) : undefined;
}

/** The built-in help command's usages (`bst-cas-run -h`), which match any line that fails. */
function isHelpUsage(usage: string): boolean {
  return usage === `${BINARY} -h` || usage === `${BINARY} --help`;
}

/** The command's path in a usage line: the words after the binary's name, up to the first option or operand. */
function pathOf(usage: string): string[] {
  const words = usage.split(" ").slice(1);
  const end = words.findIndex((word) => /^[[<-]/.test(word));
  return end < 0 ? words : words.slice(0, end);
}

/** For "Not enough positional arguments", the reason with the operands the usage asks for, e.g. `...: expected <DIGEST>`. */
function expectedPositionals(candidate: Candidate): string | undefined {
  if (candidate.reason === null || !candidate.reason.startsWith("Not enough positional arguments")) return undefined;
  const operands = candidate.usage.match(/<[^->][^>]*>( \.\.\.)?/g) ?? [];
  if (operands.length === 0) return undefined;
  const expected = operands.join(" ").replace("<command> ...", "-- <command> [args...]");
  return `Not enough positional arguments: expected ${expected}`;
}

/** For `--flag=value` where the usage lists `[--flag]` as a switch, which takes no value: that, said plainly. */
function valueForSwitch(candidate: Candidate): string | undefined {
  const match = /^Invalid option name \("(--[^="]+)=(.*)"\)\.$/.exec(candidate.reason ?? "");
  if (match === null) return undefined;
  const flag = match[1]!;
  const isSwitch = candidate.usage.split(" ").some((word) => word === `[${flag}]` || (word.startsWith("[") && word.endsWith("]") && word.slice(1, -1).split(",").includes(flag)));
  return isSwitch ? `${flag} takes no value, got ${JSON.stringify(`${flag}=${match[2]}`)}` : undefined;
}

/** Required options (`<--result #0>` in a usage) that `argv` does not give. */
function missingRequiredOptions(usage: string, argv: readonly string[]): string[] {
  const missing: string[] = [];
  for (const match of usage.matchAll(/<(-[^ >]+)(?: #0)?>/g)) {
    const names = match[1]!.split(",");
    const given = argv.some((word) => names.some((name) => word === name || word.startsWith(`${name}=`)));
    if (!given) missing.push(names.at(-1)!);
  }
  return missing;
}

/** The line for a command group's word followed by no subcommand, or by one it does not have. */
function unknownSubcommand(paths: readonly string[][], argv: readonly string[]): string {
  const group = paths[0]?.[0];
  const subcommands = paths.filter((path) => path[0] === group && path.length > 1).map((path) => path[1]!);
  if (group === undefined || argv[0] !== group || subcommands.length !== paths.length) {
    return `cannot parse: ${shown(argv)}${hint([])}`;
  }
  const choices = `${subcommands.slice(0, -1).join(", ")} or ${subcommands.at(-1)}`;
  const next = argv[1];
  if (next === undefined || next.startsWith("-")) return `${group} needs a subcommand first: ${choices}${hint([])}`;
  return `unknown command ${JSON.stringify(`${group} ${next}`)}: ${group} takes ${choices}${hint([])}`;
}

/** ` (see bst-cas-run [path] --help)`. */
function hint(path: readonly string[]): string {
  return ` (see ${[BINARY, ...path, "--help"].join(" ")})`;
}

/** The command line as a user would type it, each word JSON-quoted only when it needs to be. */
function shown(argv: readonly string[]): string {
  return argv.map((word) => (/^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : JSON.stringify(word))).join(" ");
}
