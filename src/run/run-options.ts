// The settings of one `bst-cas-run -- <cmd>` run, after the command line has been checked.
import type { PolicyFlags } from "../policy/method-table.js";

/** Everything a run needs; built by the CLI layer. */
export interface RunOptions {
  /** The command and its arguments. */
  readonly command: readonly string[];
  /** The embedded store's directory. */
  readonly cacheDir: string;
  /** Where the socket appears inside the sandbox. */
  readonly socketPath: string;
  /** The instance name the sandboxed client must use. */
  readonly instanceName: string;
  readonly policy: PolicyFlags;
  /** Working directory: writable in the sandbox and where the command starts. */
  readonly cwd: string;
  /** The environment the command inherits, before the recc variables are added. */
  readonly env: NodeJS.ProcessEnv;
}
