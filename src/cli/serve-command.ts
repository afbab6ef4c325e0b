// `bst-cas-run serve`: the filtering server alone, until SIGINT, SIGTERM or SIGHUP.
import { existsSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { Command, Option } from "clipanion";
import { startFilteringServer } from "../run/filtering-server.js";
import { ToolError } from "../run/tool-error.js";
import { signalStatus } from "../sandbox/child-exit.js";
import type { ListenAddress } from "../server/reapi-server.js";
import { buildServerSettings } from "./build-run-options.js";
import { reportFailure } from "./report-failure.js";
import { ServerOptionsCommand } from "./server-options-command.js";
import { mergeEnvironment, refuseStoreFlagsWithRemote } from "./settings.js";
import { stopOnSignal } from "./stop-signals.js";

/**
 * Under --cache-quota, how long a blob a client used is kept from eviction: long enough for a
 * build to use what FindMissingBlobs promised, short enough that a server running for weeks does
 * not end up protecting its whole store (a one-command run protects what it used until it ends).
 */
const SERVE_PROTECT_USED_BLOBS_MS = 10 * 60 * 1000;

/** Serves the filtered REAPI on a socket (or TLS port) for sandboxes managed elsewhere. */
export class ServeCommand extends ServerOptionsCommand {
  static override paths = [["serve"]];

  static override usage = Command.Usage({
    description: "serve the filtered REAPI on a UNIX socket until interrupted",
    details: `
      The same server \`bst-cas-run -- <cmd>\` starts for its sandbox, on a socket you choose, with
      the same backend, policy and logging options. It runs until SIGINT, SIGTERM or SIGHUP (the
      terminal closed), then stops, removes the socket and exits 0; a second such signal during
      that stop ends it at once, by that signal (a shell shows 128+N: 130 for SIGINT, 143 for
      SIGTERM).

      \`--listen HOST:PORT\` serves over TLS on TCP instead (\`--tls-cert\` and \`--tls-key\` required),
      for use as another bst-cas-run's \`--remote grpcs://HOST:PORT\`; \`--require-token-file\` makes
      every call present that token as a bearer token.
    `,
    examples: [
      ["Serve the embedded store where a sandbox elsewhere will bind it", "$0 serve --socket /run/user/1000/reapi.sock"],
      ["Serve over TLS with a token", "$0 serve --listen 127.0.0.1:8980 --tls-cert cert.pem --tls-key key.pem --require-token-file token"],
    ],
  });

  socket = Option.String("--socket", { description: "path of the UNIX socket to create" });
  listen = Option.String("--listen", { description: "HOST:PORT to serve over TLS instead of a socket" });
  tlsCert = Option.String("--tls-cert", { description: "PEM certificate for --listen" });
  tlsKey = Option.String("--tls-key", { description: "PEM private key for --listen" });
  requireTokenFile = Option.String("--require-token-file", { description: "require the bearer token in FILE on every call" });

  override async execute(): Promise<number> {
    try {
      const flags = this.serverFlags();
      const merged = mergeEnvironment(flags, process.env);
      refuseStoreFlagsWithRemote(flags, merged);
      const settings = { ...buildServerSettings(merged, { cwd: process.cwd(), env: process.env }), protectUsedBlobsForMs: SERVE_PROTECT_USED_BLOBS_MS };
      const listen = await this.listenAddress();
      const token = this.requireTokenFile === undefined ? undefined : (await readFile(this.requireTokenFile, "utf8")).trim();
      if (token === "") throw new ToolError("--require-token-file holds no token");
      const running = await startFilteringServer(settings, listen, token !== undefined ? { requiredToken: token } : {});
      // Listening for the signals before saying so: whoever waits for that line may signal at once.
      const stopped = stopOnSignal(() => running.close(), {
        stopping: (signal) => this.context.stderr.write(`bst-cas-run: ${signal}, stopping\n`),
        force: (signal) => {
          this.context.stderr.write(`bst-cas-run: ${signal} again, exiting without waiting for the stop to finish\n`);
          if (listen.kind === "unix") rmSync(listen.path, { force: true });
          // Ended by the signal itself, not process.exit(), whose clean-up waits for file writes the stop is stuck on.
          process.kill(process.pid, signal);
          process.exit(signalStatus(signal));
        },
      });
      this.context.stderr.write(`bst-cas-run: serving on ${running.server.address}\n`);
      await stopped;
      return 0;
    } catch (error) {
      return reportFailure(error, this.context.stderr);
    }
  }

  private async listenAddress(): Promise<ListenAddress> {
    if ((this.socket === undefined) === (this.listen === undefined)) {
      throw new ToolError("serve takes exactly one of --socket PATH and --listen HOST:PORT");
    }
    if (this.socket !== undefined) {
      if (this.tlsCert !== undefined || this.tlsKey !== undefined) throw new ToolError("--tls-cert and --tls-key go with --listen, not --socket");
      if (this.socket === "") throw new ToolError("--socket must not be empty");
      const path = resolve(this.socket);
      if (!isAbsolute(path) || Buffer.byteLength(path) > 107) throw new ToolError(`--socket path is too long for a UNIX socket: ${path}`);
      if (existsSync(path)) throw new ToolError(`--socket ${path} already exists`);
      return { kind: "unix", path };
    }
    const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/.exec(this.listen ?? "");
    if (match === null || Number(match[2]) > 65535) throw new ToolError(`--listen takes HOST:PORT, got ${JSON.stringify(this.listen)}`);
    if (this.tlsCert === undefined || this.tlsKey === undefined) throw new ToolError("--listen needs --tls-cert and --tls-key: this server never serves plaintext TCP");
    return {
      kind: "tls",
      host: (match[1] as string).replace(/^\[|\]$/g, ""),
      port: Number(match[2]),
      cert: await readPem("--tls-cert", this.tlsCert),
      key: await readPem("--tls-key", this.tlsKey),
    };
  }
}

async function readPem(flag: string, path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new ToolError(`${flag}: cannot read ${path}: ${(error as Error).message}`, undefined, { cause: error });
  }
}
