// Which REAPI server and instance the client commands talk to.
import { isAbsolute } from "node:path";
import { parseRemoteUrl, type RemoteAddress } from "../backend/remote/remote-url.js";
import { instanceNameMessage } from "../policy/instance-name-rules.js";
import { SOCKET_ENV_VAR } from "../sandbox/recc-environment.js";
import { usageError } from "./exit-status.js";

/** The server and instance to use. */
export interface Endpoint {
  readonly address: RemoteAddress;
  readonly instanceName: string;
}

/** The command-line flags that choose the endpoint. */
export interface EndpointFlags {
  readonly server?: string | undefined;
  readonly instance?: string | undefined;
}

/**
 * `--server URL` (unix:/path, grpc://host:port, grpcs://host:port) if given, else the socket
 * of the surrounding bst-cas-run sandbox (REAPI_SOCKET). The instance is `--instance`, else,
 * for the sandbox's socket, RECC_INSTANCE, else "". Throws a usage error (exit 2) when
 * neither names a server, the URL is malformed, or the instance is not a usable instance name.
 */
export function resolveEndpoint(flags: EndpointFlags, env: NodeJS.ProcessEnv): Endpoint {
  if (flags.server !== undefined) {
    let address: RemoteAddress;
    try {
      address = parseRemoteUrl(flags.server);
    } catch {
      throw usageError(`--server must be unix:/path, grpc://host:port or grpcs://host:port, got ${JSON.stringify(flags.server)}`);
    }
    return { address, instanceName: checkedInstance("--instance", flags.instance ?? "") };
  }
  const socket = env[SOCKET_ENV_VAR];
  if (socket === undefined || socket === "") {
    throw usageError(`no server: run inside a bst-cas-run sandbox (which sets ${SOCKET_ENV_VAR}) or give --server URL`);
  }
  if (!isAbsolute(socket)) throw usageError(`${SOCKET_ENV_VAR} must be an absolute socket path, got ${JSON.stringify(socket)}`);
  return {
    address: { kind: "unix", path: socket, text: `unix:${socket}` },
    instanceName: flags.instance !== undefined ? checkedInstance("--instance", flags.instance) : checkedInstance("RECC_INSTANCE", env["RECC_INSTANCE"] ?? ""),
  };
}

/** `name`, unless it cannot be an instance name: then a usage error naming `source` (exit 2). */
function checkedInstance(source: string, name: string): string {
  const message = instanceNameMessage(source, name);
  if (message !== undefined) throw usageError(message);
  return name;
}
