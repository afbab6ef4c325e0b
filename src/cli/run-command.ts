// The default command: `bst-cas-run [options] -- <cmd> [args...]`.
import { Command, Option } from "clipanion";
import { ServerOptionsCommand } from "./server-options-command.js";
import { executeRun } from "./execute-run.js";
import type { RawSettings } from "./option-table.js";

/** Runs a command in the sandbox with the filtering REAPI socket. */
export class RunCommand extends ServerOptionsCommand {
  static override paths = [Command.Default];

  static override usage = Command.Usage({
    description: "run a command in a bubblewrap sandbox that can reach a filtered REAPI cache",
    details: `
      Starts a filtering REAPI server (CAS, ByteStream, ActionCache, Capabilities) on a private
      UNIX socket backed by the embedded store, binds the socket into a bubblewrap sandbox at
      \`--socket-path\`, exports the recc environment (RECC_SERVER and friends, and REAPI_SOCKET),
      runs the command, and removes everything when it ends.

      Every option can also be set with a BST_CAS_RUN_* variable (e.g. BST_CAS_RUN_CACHE_DIR);
      flags win. Repeatable options take comma-separated lists there.

      The exit status is the command's (128+N when signal N ended it); 125 when bst-cas-run itself
      fails, 126 when the command cannot be run, 127 when it is not found.
    `,
    examples: [
      ["Compile through recc, reading the cache", "$0 -- recc gcc -c hello.c -o hello.o"],
      ["Also let the build write results to the action cache", "$0 --action-cache-enable-update -- make CC='recc gcc'"],
      ["Build in a sysroot with the sources bound in", "$0 --root /srv/sysroot --bind $PWD:/src --chdir /src -- make"],
      ["Run where a sandbox already exists", "$0 --sandbox none -- recc gcc -c hello.c"],
      ["A shell in the sandbox, with job control", "$0 --interactive -- bash"],
    ],
  });

  socketPath = Option.String("--socket-path", { description: "where the socket appears in the sandbox (default: /run/reapi.sock)" });
  sandbox = Option.String("--sandbox", { description: "bwrap (default) or none: run on the host with the socket at its real path" });
  interactive = Option.Boolean("--interactive", { description: "a terminal of the command's own (script(1)): job control and /dev/tty for a shell" });
  root = Option.String("--root", { description: "directory shown read-only as / (the working directory is then not bound)" });
  bind = Option.Array("--bind", { description: "bind SRC[:DEST] writable (repeatable)" });
  roBind = Option.Array("--ro-bind", { description: "bind SRC[:DEST] read-only (repeatable)" });
  tmpfs = Option.Array("--tmpfs", { description: "mount a tmpfs at DEST (repeatable)" });
  chdir = Option.String("--chdir", { description: "where the command starts (default: the working directory, / with --root)" });
  shareNet = Option.Boolean("--share-net", { description: "keep the host's network" });
  uid = Option.String("--uid", { description: "user id inside the sandbox" });
  gid = Option.String("--gid", { description: "group id inside the sandbox" });
  hostname = Option.String("--hostname", { description: "host name inside the sandbox" });
  setenv = Option.Array("--setenv", { description: "set NAME=VALUE for the command (repeatable)" });
  unsetenv = Option.Array("--unsetenv", { description: "remove NAME from the command's environment (repeatable)" });
  clearenv = Option.Boolean("--clearenv", { description: "empty environment but a minimal PATH and the recc variables" });

  command = Option.Rest({ required: 1 });

  /** The options as given on the command line. */
  flags(): RawSettings {
    return {
      ...this.serverFlags(),
      socketPath: this.socketPath,
      sandbox: this.sandbox,
      interactive: this.interactive,
      root: this.root,
      bind: this.bind,
      roBind: this.roBind,
      tmpfs: this.tmpfs,
      chdir: this.chdir,
      shareNet: this.shareNet,
      uid: this.uid,
      gid: this.gid,
      hostname: this.hostname,
      setenv: this.setenv,
      unsetenv: this.unsetenv,
      clearenv: this.clearenv,
    };
  }

  override async execute(): Promise<number> {
    return executeRun(this.flags(), this.command, this.context.stderr);
  }
}
