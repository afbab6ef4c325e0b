// Opens the upstream backend: reads credentials, connects, and checks the upstream answers.
import { readFile } from "node:fs/promises";
import { ConnectError } from "@connectrpc/connect";
import { ToolError } from "../../run/tool-error.js";
import { codeName } from "../../server/observe/call-stats.js";
import { untilAborted } from "../../util/until-aborted.js";
import type { BackendCapabilities } from "../backend.js";
import { RemoteBackend } from "./remote-backend.js";
import { parseRemoteUrl } from "./remote-url.js";
import { createUpstreamTransport, type UpstreamCredentials } from "./upstream-transport.js";

/** What --remote and its companion options say. */
export interface RemoteOptions {
  readonly url: string;
  /** The instance name used upstream. */
  readonly instanceName: string;
  readonly serverCertFile?: string;
  readonly clientCertFile?: string;
  readonly clientKeyFile?: string;
  readonly accessTokenFile?: string;
  /**
   * How long a connection may take to be made (handshakes included); the start-up check may
   * take as long again for the upstream's answer.
   */
  readonly connectTimeoutMs: number;
}

/** An open upstream and what it reported at start. */
export interface OpenedRemote {
  readonly backend: RemoteBackend;
  readonly capabilities: BackendCapabilities;
}

/**
 * Connects to the upstream and asks its capabilities. Throws a ToolError (exit 125) with one
 * line naming the address when it cannot be reached in time or refuses us; when `signal` aborts
 * first, closes the connection and throws its reason.
 */
export async function openRemoteBackend(options: RemoteOptions, signal?: AbortSignal): Promise<OpenedRemote> {
  const address = parseRemoteUrl(options.url);
  if (address.kind !== "tcp" || !address.tls) {
    for (const [flag, value] of [["--server-cert", options.serverCertFile], ["--client-cert", options.clientCertFile], ["--client-key", options.clientKeyFile]] as const) {
      if (value !== undefined) throw new ToolError(`${flag} needs a grpcs:// --remote`);
    }
  }
  if ((options.clientCertFile === undefined) !== (options.clientKeyFile === undefined)) {
    throw new ToolError("--client-cert and --client-key go together");
  }
  const credentials: UpstreamCredentials = {
    ...(options.serverCertFile !== undefined ? { serverCert: await readText("--server-cert", options.serverCertFile) } : {}),
    ...(options.clientCertFile !== undefined ? { clientCert: await readText("--client-cert", options.clientCertFile) } : {}),
    ...(options.clientKeyFile !== undefined ? { clientKey: await readText("--client-key", options.clientKeyFile) } : {}),
    ...(options.accessTokenFile !== undefined ? { accessToken: (await readText("--access-token-file", options.accessTokenFile)).trim() } : {}),
  };
  const upstream = createUpstreamTransport(address, credentials, { connectTimeoutMs: options.connectTimeoutMs });
  const backend = new RemoteBackend(upstream.openCall, options.instanceName, upstream.close);
  // A connection that stalls fails on its own, at the connect timeout; this bounds the answer too.
  const checkMs = 2 * options.connectTimeoutMs;
  const deadline = AbortSignal.timeout(checkMs);
  try {
    const answer = backend.capabilities(deadline);
    const capabilities = await (signal === undefined ? answer : untilAborted(answer, signal));
    return { backend, capabilities };
  } catch (error) {
    upstream.close();
    if (signal?.aborted === true) throw signal.reason;
    const reason = deadline.aborted
      ? `no answer to GetCapabilities within ${checkMs / 1000} s`
      : error instanceof ConnectError
        ? `${codeName(error.code)}: ${error.rawMessage}`
        : error instanceof Error
          ? error.message
          : String(error);
    throw new ToolError(`cannot use the upstream REAPI server at ${address.text}: ${reason}`, undefined, { cause: error });
  }
}

async function readText(flag: string, path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new ToolError(`${flag}: cannot read ${path}: ${(error as Error).message}`, undefined, { cause: error });
  }
}
