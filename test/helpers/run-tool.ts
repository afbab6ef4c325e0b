// Runs the built bst-cas-run as a child process, the way users and scripts do.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The launcher in bin/ (needs `npm run build`, which `npm test` runs first). */
export const BIN = fileURLToPath(new URL("../../bin/bst-cas-run.cjs", import.meta.url));
/** The independent gRPC test client. */
export const REAPI_CLIENT = fileURLToPath(new URL("../fixtures/reapi-client.mjs", import.meta.url));

/** Where and how the tool runs in a test. */
export interface ToolOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/**
 * Drops what tap's process tracking adds to every child's environment (NODE_OPTIONS and
 * _TAPJS_* variables), so the tool sees only the environment a test gives it.
 */
const WITHOUT_TAP_ENV = 'for name in $(/usr/bin/env | /bin/sed -n "s/^\\(_TAPJS[A-Za-z0-9_]*\\)=.*/\\1/p"); do unset "$name"; done; unset NODE_OPTIONS; exec "$@"';

/** `env` less what tap adds for its own children (NODE_OPTIONS, _TAPJS_* variables): for a node child started directly, not through {@link startTool}. */
export function untappedEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => name !== "NODE_OPTIONS" && !name.startsWith("_TAPJS")));
}

/** Starts `bst-cas-run args...`, for tests that signal or feed the running tool. */
export function startTool(args: readonly string[], options: ToolOptions = {}) {
  return execa("/bin/sh", ["-c", WITHOUT_TAP_ENV, "sh", process.execPath, BIN, ...args], {
    reject: false,
    timeout: 120_000,
    extendEnv: false,
    env: options.env ?? process.env,
    cwd: options.cwd ?? process.cwd(),
  });
}

/** Runs `bst-cas-run args...` to the end; never rejects on a non-zero exit. */
export async function runTool(args: readonly string[], options: ToolOptions = {}) {
  return startTool(args, options);
}

/** Runs the test client inside a sandbox and parses its JSON answer. */
export async function runClient(
  toolArgs: readonly string[],
  scenario: readonly string[],
  options: ToolOptions = {},
): Promise<{ result: Awaited<ReturnType<typeof runTool>>; answer: unknown }> {
  // The client, its .proto files and node_modules, visible even when the clone is under /tmp.
  const binds = ["test/fixtures", "proto", "node_modules"].flatMap((dir) => ["--ro-bind", join(REPO_ROOT, dir)]);
  const result = await runTool([...binds, ...toolArgs, "--", process.execPath, REAPI_CLIENT, ...scenario], options);
  const lines = String(result.stdout).trim().split("\n");
  let answer: unknown;
  try {
    answer = JSON.parse(lines[lines.length - 1] ?? "");
  } catch {
    answer = undefined;
  }
  return { result, answer };
}

/** Pids of live processes whose command line mentions `marker`. */
export async function processesMentioning(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^[0-9]+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8");
      if (cmdline.includes(marker)) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}
