// What every client command shares: --server and --instance, the connection, and failure reporting.
import { Command, Option } from "clipanion";
import { resolveEndpoint } from "../client/endpoint.js";
import { ClientStatus } from "../client/exit-status.js";
import { startProgress, type Progress } from "../client/progress.js";
import { connectReapi, type ReapiClients } from "../client/reapi-clients.js";
import { reportClientFailure } from "./cas-report-failure.js";
import { envOf } from "./option-table.js";
import { parseSeconds } from "./parse-seconds.js";

/** The environment variable the run's `--connect-timeout` reads; the client commands read it too. */
const CONNECT_TIMEOUT_ENV_VAR = envOf("connectTimeout");

/** Text shared by the client commands' help. */
export const CLIENT_DETAILS = `
      The server is the socket of the surrounding bst-cas-run sandbox (REAPI_SOCKET, instance
      RECC_INSTANCE), or \`--server\` unix:/path, grpc://host:port or grpcs://host:port.

      Exit status: 0 done or found, 1 not found, 2 usage error or no server, 3 the server or a
      local file failed, 4 the server refused (PERMISSION_DENIED), 5 data did not match its digest.
`;

/** A command that talks to a REAPI endpoint. */
export abstract class ClientCommand extends Command {
  server = Option.String("--server", { description: "REAPI server: unix:/path, grpc://host:port or grpcs://host:port (default: $REAPI_SOCKET)" });
  instance = Option.String("--instance", { description: "instance name (default: $RECC_INSTANCE with the sandbox's socket, else empty)" });
  connectTimeout = Option.String("--connect-timeout", {
    description: `seconds the connection to the server may take, handshakes included; its calls fail after that (default: $${CONNECT_TIMEOUT_ENV_VAR}, else 10)`,
  });

  /** The command's name in messages, e.g. "cas put". */
  protected abstract readonly commandName: string;

  /** Connects, runs `body`, closes, and turns failures into a one-line message and exit status. */
  protected async withClients(body: (clients: ReapiClients) => Promise<number>): Promise<number> {
    let clients: ReapiClients | undefined;
    try {
      const endpoint = resolveEndpoint({ server: this.server, instance: this.instance }, process.env);
      clients = connectReapi(endpoint, this.commandName, this.#connectTimeoutMs());
      return await body(clients);
    } catch (error) {
      return this.fail(error);
    } finally {
      clients?.close();
    }
  }

  /** `--connect-timeout`, else the run's environment variable for it, in milliseconds; undefined for the default. */
  #connectTimeoutMs(): number | undefined {
    const fromEnv = process.env[CONNECT_TIMEOUT_ENV_VAR];
    const [source, text] = this.connectTimeout !== undefined ? ["--connect-timeout", this.connectTimeout] : [CONNECT_TIMEOUT_ENV_VAR, fromEnv === "" ? undefined : fromEnv];
    return text === undefined ? undefined : parseSeconds(source, text, ClientStatus.usage) * 1000;
  }

  /** Reports `error` in one line on stderr and returns its exit status. */
  protected fail(error: unknown): number {
    return reportClientFailure(error, this.context.stderr, this.commandName);
  }

  /** A transfer meter on stderr, drawn only when stderr is a terminal. */
  protected progress(label: string, totalBytes?: number): Progress {
    const stderr = this.context.stderr as NodeJS.WritableStream & { isTTY?: boolean };
    return startProgress({ label, stream: stderr, ...(totalBytes !== undefined ? { totalBytes } : {}) });
  }

  /** Writes a line (or a JSON value) to stdout. */
  protected print(value: string | object): void {
    this.context.stdout.write(typeof value === "string" ? `${value}\n` : `${JSON.stringify(value)}\n`);
  }
}
