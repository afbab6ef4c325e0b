// The environment a sandboxed command gets so that recc (and other clients) find the socket.

/** What the environment describes. */
export interface ReccEnvironmentSpec {
  /** The socket's path as the command sees it. */
  readonly socketPath: string;
  readonly instanceName: string;
  /** Whether the action cache takes updates (`--action-cache-enable-update`). */
  readonly actionCacheUpdate: boolean;
}

/** The tool-neutral variable naming the socket path, for clients other than recc. */
export const SOCKET_ENV_VAR = "REAPI_SOCKET";

/**
 * Variables to add to the command's environment. recc treats any non-empty value as "on",
 * so RECC_CACHE_UPLOAD_LOCAL_BUILD is left out, not set to 0, when updates are refused.
 */
export function reccEnvironment(spec: ReccEnvironmentSpec): Record<string, string> {
  const server = `unix:${spec.socketPath}`;
  // recc.conf files fill whatever the environment leaves unset: set every address and instance.
  const env: Record<string, string> = {
    RECC_SERVER: server,
    RECC_CAS_SERVER: server,
    RECC_ACTION_CACHE_SERVER: server,
    RECC_INSTANCE: spec.instanceName,
    RECC_CAS_INSTANCE: spec.instanceName,
    RECC_ACTION_CACHE_INSTANCE: spec.instanceName,
    RECC_CACHE_ONLY: "1",
    RECC_DEPS_GLOBAL_PATHS: "1",
    [SOCKET_ENV_VAR]: spec.socketPath,
  };
  if (spec.actionCacheUpdate) env["RECC_CACHE_UPLOAD_LOCAL_BUILD"] = "1";
  return env;
}

/** The recc variables this tool owns: removed from the inherited environment before ours are added. */
export const OWNED_ENV_VARS: readonly string[] = [
  "RECC_SERVER",
  "RECC_CAS_SERVER",
  "RECC_ACTION_CACHE_SERVER",
  "RECC_INSTANCE",
  "RECC_CAS_INSTANCE",
  "RECC_ACTION_CACHE_INSTANCE",
  "RECC_CACHE_ONLY",
  "RECC_CACHE_UPLOAD_LOCAL_BUILD",
  "RECC_DEPS_GLOBAL_PATHS",
  SOCKET_ENV_VAR,
];
