// Turns merged settings into RunOptions, checking each value and naming the option at fault.
import { existsSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { defaultCacheDir } from "../run/cache-dir.js";
import type { RemoteOptions } from "../backend/remote/open-remote-backend.js";
import type { RunOptions, SandboxKind, ServerSettings } from "../run/run-options.js";
import { ToolError } from "../run/tool-error.js";
import type { Mount } from "../sandbox/bwrap-args.js";
import { checkWritableFile } from "./check-writable.js";
import { flagOf, type RawSettings } from "./option-table.js";
import { parseSeconds } from "./parse-seconds.js";
import { parseSize } from "./parse-size.js";
import { checkSocketPath } from "./validate.js";

/** The PATH a command gets with --clearenv. */
export const MINIMAL_PATH = "/usr/local/bin:/usr/bin:/bin";

/** Where the run happens and what it inherits. */
export interface RunContext {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

/** Checks `settings` and builds the options of a run of `command`. */
export function buildRunOptions(settings: RawSettings, command: readonly string[], context: RunContext): RunOptions {
  if (settings.root === "") throw new ToolError("--root must not be empty");
  const socketPath = settings.socketPath ?? "/run/reapi.sock";
  checkSocketPath(socketPath);
  const sandbox = parseSandboxKind(settings.sandbox ?? "bwrap");
  const root = settings.root === undefined ? "/" : checkDirectory("--root", resolve(context.cwd, settings.root));
  if (sandbox === "none") {
    const shaping = (["root", "bind", "roBind", "tmpfs", "chdir", "uid", "gid", "hostname"] as const).filter((key) => {
      const value = settings[key];
      return Array.isArray(value) ? value.length > 0 : value !== undefined;
    });
    if (shaping.length > 0 || settings.shareNet === true) {
      throw new ToolError(`--sandbox none cannot be combined with sandbox options (${[...shaping, ...(settings.shareNet ? (["shareNet"] as const) : [])].map(flagOf).join(", ")})`);
    }
  }
  const mounts: Mount[] = [
    ...(settings.bind ?? []).map((spec) => parseMount("--bind", spec, false, context.cwd)),
    ...(settings.roBind ?? []).map((spec) => parseMount("--ro-bind", spec, true, context.cwd)),
  ];
  const tmpfs = (settings.tmpfs ?? []).map((path) => checkSandboxPath("--tmpfs", path));
  const chdir = settings.chdir === undefined ? undefined : checkSandboxPath("--chdir", settings.chdir);
  const uid = parseId("--uid", settings.uid);
  const gid = parseId("--gid", settings.gid);
  if (settings.hostname !== undefined && !/^[A-Za-z0-9]([A-Za-z0-9.-]{0,62})$/.test(settings.hostname)) {
    throw new ToolError(`--hostname must be a host name, got ${JSON.stringify(settings.hostname)}`);
  }

  return {
    ...buildServerSettings(settings, context),
    command,
    socketPath,
    sandbox,
    interactive: settings.interactive ?? false,
    shape: {
      root,
      mounts,
      tmpfs,
      shareNet: settings.shareNet ?? false,
      ...(chdir !== undefined ? { chdir } : {}),
      ...(uid !== undefined ? { uid } : {}),
      ...(gid !== undefined ? { gid } : {}),
      ...(settings.hostname !== undefined ? { hostname: settings.hostname } : {}),
    },
    cwd: context.cwd,
    env: inheritedEnvironment(settings, context.env),
    setenv: assignments(settings.setenv ?? []),
  };
}

/** Checks the options `run` and `serve` share (--stats-json must be writable now) and builds their settings. */
export function buildServerSettings(settings: RawSettings, context: RunContext): ServerSettings {
  for (const key of ["cacheDir", "logFile", "statsJson", "remote", "accessTokenFile", "serverCert", "clientCert", "clientKey"] as const) {
    if (settings[key] === "") throw new ToolError(`${flagOf(key)} must not be empty`);
  }
  const path = (value: string | undefined) => (value === undefined ? undefined : resolve(context.cwd, value));
  // Written only once the command has ended: a path that cannot take it is refused before anything runs.
  if (settings.statsJson !== undefined) checkWritableFile("--stats-json", resolve(context.cwd, settings.statsJson));
  return {
    cacheDir: settings.cacheDir === undefined ? defaultCacheDir(context.env) : resolve(context.cwd, settings.cacheDir),
    ...(settings.remote !== undefined ? { remote: remoteOptions(settings, path) } : {}),
    instanceName: settings.instance ?? "",
    policy: { actionCacheUpdate: settings.actionCacheEnableUpdate ?? false },
    maxBlobSizeBytes: settings.maxBlobSize === undefined ? Number.MAX_SAFE_INTEGER : parseSize("--max-blob-size", settings.maxBlobSize),
    ...(settings.cacheQuota !== undefined ? { cacheQuotaBytes: parseSize("--cache-quota", settings.cacheQuota) } : {}),
    observability: {
      verbose: settings.verbose ?? false,
      stats: settings.stats ?? false,
      ...(settings.logFile !== undefined ? { logFile: resolve(context.cwd, settings.logFile) } : {}),
      ...(settings.statsJson !== undefined ? { statsJson: resolve(context.cwd, settings.statsJson) } : {}),
    },
  };
}

/** The upstream's options; file paths resolved, the URL itself checked when the backend opens. */
function remoteOptions(settings: RawSettings, path: (value: string | undefined) => string | undefined): RemoteOptions {
  const files = { serverCertFile: path(settings.serverCert), clientCertFile: path(settings.clientCert), clientKeyFile: path(settings.clientKey), accessTokenFile: path(settings.accessTokenFile) };
  return {
    url: settings.remote as string,
    instanceName: settings.remoteInstance ?? "",
    connectTimeoutMs: parseSeconds("--connect-timeout", settings.connectTimeout ?? "10") * 1000,
    ...Object.fromEntries(Object.entries(files).filter(([, value]) => value !== undefined)),
  };
}

/** The environment the command inherits: everything, or a minimal PATH with --clearenv; less --unsetenv. */
function inheritedEnvironment(settings: RawSettings, inherited: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = settings.clearenv === true ? { PATH: MINIMAL_PATH } : { ...inherited };
  for (const name of settings.unsetenv ?? []) {
    checkVariableName("--unsetenv", name);
    delete env[name];
  }
  return env;
}

/** The --setenv NAME=VALUE assignments, checked. */
function assignments(list: readonly string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const assignment of list) {
    const at = assignment.indexOf("=");
    if (at <= 0) throw new ToolError(`--setenv takes NAME=VALUE, got ${JSON.stringify(assignment)}`);
    const name = assignment.slice(0, at);
    checkVariableName("--setenv", name);
    result[name] = assignment.slice(at + 1);
  }
  return result;
}

function parseSandboxKind(value: string): SandboxKind {
  if (value === "bwrap" || value === "none") return value;
  throw new ToolError(`--sandbox must be bwrap or none, got ${JSON.stringify(value)}`);
}

function parseMount(flag: string, spec: string, readOnly: boolean, cwd: string): Mount {
  const at = spec.indexOf(":");
  const sourceText = at < 0 ? spec : spec.slice(0, at);
  if (sourceText === "") throw new ToolError(`${flag} takes SRC[:DEST], got ${JSON.stringify(spec)}`);
  const source = resolve(cwd, sourceText);
  if (!existsSync(source)) throw new ToolError(`${flag}: ${JSON.stringify(sourceText)} does not exist`);
  const destination = at < 0 ? source : checkSandboxPath(flag, spec.slice(at + 1));
  return { source, destination, readOnly };
}

function checkSandboxPath(flag: string, path: string): string {
  if (!isAbsolute(path)) throw new ToolError(`${flag} needs an absolute path inside the sandbox, got ${JSON.stringify(path)}`);
  return path;
}

function checkDirectory(flag: string, path: string): string {
  let isDirectory = false;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    // Reported below.
  }
  if (!isDirectory) throw new ToolError(`${flag}: ${JSON.stringify(path)} is not a directory`);
  return path;
}

function parseId(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^(0|[1-9][0-9]{0,9})$/.test(value) || Number(value) > 0xfffffffe) {
    throw new ToolError(`${flag} must be a numeric id, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

function checkVariableName(flag: string, name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ToolError(`${flag}: ${JSON.stringify(name)} is not a variable name`);
}
