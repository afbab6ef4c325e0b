// Reads the common shape of a run's command line, `[--option[=value] ...] -- <cmd> [args...]`, without clipanion.
import { OPTION_TABLE, type OptionRow, type RawSettings } from "./option-table.js";

/** The options and the command of a run's command line. */
export interface RunArgv {
  readonly flags: RawSettings;
  readonly command: readonly string[];
}

const ROWS_BY_FLAG: ReadonlyMap<string, OptionRow> = new Map(OPTION_TABLE.map((row) => [row.flag, row]));
const SHORT_FLAGS: ReadonlyMap<string, OptionRow> = new Map([["-v", ROWS_BY_FLAG.get("--verbose")!]]);

/**
 * The run's options and command when `argv` is only option table flags, then `--`, then at least
 * one word that does not start with "-"; undefined for anything else (help, other commands,
 * `--no-*`, a string option given twice, a value that looks like an option, a missing `--`), which
 * clipanion's parser then takes, with its errors. Where both parse, they agree (test/cli/run-argv.ts
 * checks it): this only spares the most common command line the cost of building clipanion's parser.
 */
export function parseRunArgv(argv: readonly string[]): RunArgv | undefined {
  const flags: Record<string, string | boolean | string[]> = {};
  let index = 0;
  for (; index < argv.length && argv[index] !== "--"; index += 1) {
    const token = argv[index]!;
    const equals = token.startsWith("--") ? token.indexOf("=") : -1;
    const name = equals === -1 ? token : token.slice(0, equals);
    const row = SHORT_FLAGS.get(name) ?? (name.startsWith("--") ? ROWS_BY_FLAG.get(name) : undefined);
    if (row === undefined) return undefined;
    if (row.kind === "boolean") {
      if (equals !== -1) return undefined;
      flags[row.key] = true;
      continue;
    }
    let value: string | undefined;
    if (equals !== -1) {
      value = token.slice(equals + 1);
    } else {
      index += 1;
      value = argv[index];
      if (value === undefined || value.startsWith("-")) return undefined;
    }
    if (row.kind === "list") {
      flags[row.key] = [...((flags[row.key] as string[] | undefined) ?? []), value];
    } else if (row.key in flags) {
      return undefined;
    } else {
      flags[row.key] = value;
    }
  }
  const command = argv.slice(index + 1);
  // clipanion reads `-- --help` as a request for help: a command that starts with "-" is left to it.
  if (index >= argv.length || command.length === 0 || command[0]!.startsWith("-")) return undefined;
  return { flags: flags as RawSettings, command };
}
