// The default command: `bst-cas-run [options] -- <cmd> [args...]`.
import { Command, Option } from "clipanion";
import { defaultCacheDir } from "../run/cache-dir.js";
import { runSandboxed } from "../run/run.js";
import { reportFailure } from "./report-failure.js";
import { checkSocketPath } from "./validate.js";

/** Runs a command in the sandbox with the filtering REAPI socket. */
export class RunCommand extends Command {
  static override paths = [Command.Default];

  static override usage = Command.Usage({
    description: "run a command in a bubblewrap sandbox that can reach a filtered REAPI cache",
    details: `
      Starts a filtering REAPI server (CAS, ByteStream, ActionCache, Capabilities) on a private
      UNIX socket backed by the embedded store, binds the socket into a bubblewrap sandbox at
      \`--socket-path\`, exports the recc environment (RECC_SERVER and friends, and REAPI_SOCKET),
      runs the command, and removes everything when it ends.

      The exit status is the command's (128+N when signal N ended it); 125 when bst-cas-run itself
      fails, 126 when the command cannot be run, 127 when it is not found.
    `,
    examples: [
      ["Compile through recc, reading the cache", "$0 -- recc gcc -c hello.c -o hello.o"],
      ["Also let the build write results to the action cache", "$0 --action-cache-enable-update -- make CC='recc gcc'"],
      ["Use another cache directory", "$0 --cache-dir /var/cache/reapi -- make"],
    ],
  });

  cacheDir = Option.String("--cache-dir", {
    description: "directory of the embedded store (default: $XDG_CACHE_HOME/bst-cas-run)",
  });

  socketPath = Option.String("--socket-path", "/run/reapi.sock", {
    description: "where the socket appears inside the sandbox (default: /run/reapi.sock)",
  });

  instance = Option.String("--instance", "", {
    description: "the REAPI instance name clients must use (default: empty)",
  });

  actionCacheEnableUpdate = Option.Boolean("--action-cache-enable-update", false, {
    description: "allow ActionCache/UpdateActionResult (refused by default to protect the cache)",
  });

  command = Option.Rest({ required: 1 });

  override async execute(): Promise<number> {
    try {
      checkSocketPath(this.socketPath);
      return await runSandboxed({
        command: this.command,
        cacheDir: this.cacheDir ?? defaultCacheDir(),
        socketPath: this.socketPath,
        instanceName: this.instance,
        policy: { actionCacheUpdate: this.actionCacheEnableUpdate },
        cwd: process.cwd(),
        env: process.env,
      });
    } catch (error) {
      return reportFailure(error, this.context.stderr);
    }
  }
}
