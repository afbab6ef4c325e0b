// The store a `store` maintenance command works on: --cache-dir and --cache-quota, or their variables.
import { statSync } from "node:fs";
import { basename, resolve } from "node:path";
import { storeLayout, type StoreLayout } from "../backend/local/store-layout.js";
import { defaultCacheDir } from "../run/cache-dir.js";
import { ToolError } from "../run/tool-error.js";
import { OPTION_TABLE, type RawSettings } from "./option-table.js";
import { parseSize } from "./parse-size.js";

/** Where the maintenance commands run and what they inherit. */
export interface StoreContext {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

/** The flag's value, or else its BST_CAS_RUN_* variable's (as the option table names it). */
function flagOrVariable(key: keyof RawSettings, flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (flag !== undefined) return flag;
  const row = OPTION_TABLE.find((candidate) => candidate.key === key);
  return row === undefined ? undefined : env[row.env];
}

/**
 * The layout of the existing store named by `--cache-dir` (default $XDG_CACHE_HOME/bst-cas-run);
 * a ToolError when it is no directory or lacks the store's `cas/`, `ac/` and `tmp/` (which every
 * store has from its first run): `verify` and `gc` remove files, never in a directory that is not a store.
 */
export function existingStore(cacheDir: string | undefined, context: StoreContext): StoreLayout {
  const given = flagOrVariable("cacheDir", cacheDir, context.env);
  if (given === "") throw new ToolError("--cache-dir must not be empty");
  const root = given === undefined ? defaultCacheDir(context.env) : resolve(context.cwd, given);
  if (!isDirectory(root)) throw new ToolError(`no store at ${root}: not a directory`);
  const layout = storeLayout(root);
  const missing = [layout.casDir, layout.acDir, layout.tmpDir].find((dir) => !isDirectory(dir));
  if (missing !== undefined) throw new ToolError(`no store at ${root}: it has no ${basename(missing)}/ directory, so it was not made by bst-cas-run`);
  return layout;
}

/** True when `path` is a directory (following symbolic links); false when it is anything else or missing. */
function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The `--cache-quota` in bytes, or undefined when neither the flag nor BST_CAS_RUN_CACHE_QUOTA is set. */
export function storeQuota(cacheQuota: string | undefined, context: StoreContext): number | undefined {
  const given = flagOrVariable("cacheQuota", cacheQuota, context.env);
  return given === undefined ? undefined : parseSize("--cache-quota", given);
}
