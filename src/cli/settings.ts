// Merges flags with BST_CAS_RUN_* variables: flags win, variables fill what flags leave unset.
import { instanceNameMessage } from "../policy/instance-name-rules.js";
import { ToolError } from "../run/tool-error.js";
import { flagOf, OPTION_TABLE, type OptionRow, type RawSettings } from "./option-table.js";

const TRUE_WORDS = new Set(["1", "true", "yes", "on"]);
const FALSE_WORDS = new Set(["", "0", "false", "no", "off"]);

/**
 * The settings with every option the flags did not give read from its variable in `env`.
 * List variables hold comma-separated items. Throws a ToolError naming the flag or variable
 * when a value cannot be read, or when an instance name (--instance, --remote-instance) could
 * never appear in a resource name.
 */
export function mergeEnvironment(flags: RawSettings, env: NodeJS.ProcessEnv): RawSettings {
  const merged: Record<string, unknown> = { ...flags };
  for (const row of OPTION_TABLE) {
    const fromFlag = flags[row.key];
    const given = Array.isArray(fromFlag) ? fromFlag.length > 0 : fromFlag !== undefined;
    const text = env[row.env];
    if (!given && text !== undefined) merged[row.key] = readVariable(row, text);
    if (INSTANCE_KEYS.has(row.key) && typeof merged[row.key] === "string") {
      const message = instanceNameMessage(given ? row.flag : row.env, merged[row.key] as string);
      if (message !== undefined) throw new ToolError(message);
    }
  }
  return merged as RawSettings;
}

/** Options that name a REAPI instance, checked as one when read. */
const INSTANCE_KEYS: ReadonlySet<keyof RawSettings> = new Set(["instance", "remoteInstance"]);

function readVariable(row: OptionRow, text: string): string | boolean | string[] {
  switch (row.kind) {
    case "string":
      return text;
    case "list":
      return text.split(",").filter((item) => item !== "");
    case "boolean": {
      const word = text.trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
      throw new ToolError(`${row.env} must be 1/true/yes or 0/false/no, got ${JSON.stringify(text)}`);
    }
  }
}

/** Options that only the embedded store reads: given with an upstream, they would be silently ignored. */
const EMBEDDED_STORE_KEYS = ["cacheDir", "cacheQuota"] as const;

/**
 * Refuses an embedded-store option given as a flag when the merged settings name an upstream
 * (`--remote`, or BST_CAS_RUN_REMOTE): the upstream keeps the blobs, so the flag would have no
 * effect. The same options set by variable are left alone, as environment that applies only
 * where it can.
 */
export function refuseStoreFlagsWithRemote(flags: RawSettings, merged: RawSettings): void {
  if (merged.remote === undefined) return;
  for (const key of EMBEDDED_STORE_KEYS) {
    if (flags[key] !== undefined) {
      throw new ToolError(`${flagOf(key)} applies to the embedded store; with --remote ${merged.remote} the upstream keeps the blobs`);
    }
  }
}
