// The settings of one `bst-cas-run -- <cmd>` run, after the command line has been checked.
import type { RemoteOptions } from "../backend/remote/open-remote-backend.js";
import type { PolicyFlags } from "../policy/method-table.js";
import type { SandboxShape } from "../sandbox/bwrap-args.js";

/** How the command is isolated: bubblewrap, or not at all (already sandboxed elsewhere). */
export type SandboxKind = "bwrap" | "none";

/** What a filtering server needs, for `run` and `serve` alike; built by the CLI layer. */
export interface ServerSettings {
  /** The embedded store's directory (unused with `remote`). */
  readonly cacheDir: string;
  /** The upstream to forward to instead of the embedded store. */
  readonly remote?: RemoteOptions;
  /** The instance name the sandboxed client must use. */
  readonly instanceName: string;
  readonly policy: PolicyFlags;
  /** Largest blob accepted, in bytes. */
  readonly maxBlobSizeBytes: number;
  /** Keep the embedded store's blobs under this many bytes (--cache-quota); no limit when absent. */
  readonly cacheQuotaBytes?: number;
  /** Under the quota, how long a use keeps a blob from eviction; for the server's whole life when absent (a run's). */
  readonly protectUsedBlobsForMs?: number;
  readonly observability: Observability;
}

/** Everything a run needs; built by the CLI layer. */
export interface RunOptions extends ServerSettings {
  /** The command and its arguments. */
  readonly command: readonly string[];
  /** Where the socket appears inside the sandbox (ignored with sandbox `none`). */
  readonly socketPath: string;
  readonly sandbox: SandboxKind;
  /** Run the command in a pseudo-terminal of its own (script(1)) instead of a session without one. */
  readonly interactive: boolean;
  readonly shape: SandboxShape;
  /** The caller's working directory. */
  readonly cwd: string;
  /** The inherited environment (after --clearenv and --unsetenv), before the recc variables. */
  readonly env: NodeJS.ProcessEnv;
  /** --setenv assignments: applied last, over the recc variables too. */
  readonly setenv: Readonly<Record<string, string>>;
}

/** Where calls are logged and summarized. */
export interface Observability {
  /** Log each call to stderr. */
  readonly verbose: boolean;
  /** Append each call to this file. */
  readonly logFile?: string;
  /** Print a summary to stderr at exit. */
  readonly stats: boolean;
  /** Write the summary as JSON to this file at exit. */
  readonly statsJson?: string;
}
