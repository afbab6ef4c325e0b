// Every option of `bst-cas-run -- <cmd>`: its flag, its BST_CAS_RUN_* variable, and its meaning.

/** How an option's value is read. */
export type OptionKind = "string" | "boolean" | "list";

/** One row of the option table. */
export interface OptionRow {
  /** The key in {@link RawSettings}, and the command class's field name. */
  readonly key: keyof RawSettings;
  readonly flag: string;
  /** The environment variable read when the flag is absent. */
  readonly env: string;
  readonly kind: OptionKind;
  /** The argument's placeholder in help text, for string and list options. */
  readonly arg?: string;
  /** The default, as shown in the docs. */
  readonly defaultText: string;
  readonly description: string;
}

/** Option values as given, before defaults: undefined where neither flag nor variable was set. */
export interface RawSettings {
  cacheDir?: string | undefined;
  cacheQuota?: string | undefined;
  socketPath?: string | undefined;
  instance?: string | undefined;
  actionCacheEnableUpdate?: boolean | undefined;
  sandbox?: string | undefined;
  root?: string | undefined;
  bind?: string[] | undefined;
  roBind?: string[] | undefined;
  tmpfs?: string[] | undefined;
  chdir?: string | undefined;
  shareNet?: boolean | undefined;
  uid?: string | undefined;
  gid?: string | undefined;
  hostname?: string | undefined;
  setenv?: string[] | undefined;
  unsetenv?: string[] | undefined;
  clearenv?: boolean | undefined;
  interactive?: boolean | undefined;
  maxBlobSize?: string | undefined;
  verbose?: boolean | undefined;
  logFile?: string | undefined;
  stats?: boolean | undefined;
  statsJson?: string | undefined;
  remote?: string | undefined;
  remoteInstance?: string | undefined;
  serverCert?: string | undefined;
  clientCert?: string | undefined;
  clientKey?: string | undefined;
  accessTokenFile?: string | undefined;
  connectTimeout?: string | undefined;
}

/** The option table; the command, the environment reader and the docs all follow it. */
export const OPTION_TABLE: readonly OptionRow[] = [
  { key: "cacheDir", flag: "--cache-dir", env: "BST_CAS_RUN_CACHE_DIR", kind: "string", arg: "DIR", defaultText: "$XDG_CACHE_HOME/bst-cas-run", description: "directory of the embedded store" },
  { key: "cacheQuota", flag: "--cache-quota", env: "BST_CAS_RUN_CACHE_QUOTA", kind: "string", arg: "SIZE", defaultText: "no limit", description: "keep the store's blobs under SIZE (bytes, or with K, M, G, T), evicting the least recently used; blobs the run uploaded, read or found are not evicted until it ends (under serve, for ten minutes after their last use)" },
  { key: "socketPath", flag: "--socket-path", env: "BST_CAS_RUN_SOCKET_PATH", kind: "string", arg: "PATH", defaultText: "/run/reapi.sock", description: "where the socket appears in the sandbox (under /run or /tmp)" },
  { key: "instance", flag: "--instance", env: "BST_CAS_RUN_INSTANCE", kind: "string", arg: "NAME", defaultText: "(empty)", description: "the only REAPI instance name clients may use (no empty, \".\" or \"..\" segments, nor reserved ones such as \"blobs\")" },
  { key: "actionCacheEnableUpdate", flag: "--action-cache-enable-update", env: "BST_CAS_RUN_ACTION_CACHE_ENABLE_UPDATE", kind: "boolean", defaultText: "off", description: "allow ActionCache/UpdateActionResult (and set RECC_CACHE_UPLOAD_LOCAL_BUILD)" },
  { key: "remote", flag: "--remote", env: "BST_CAS_RUN_REMOTE", kind: "string", arg: "URL", defaultText: "the embedded store", description: "serve from an upstream REAPI server: unix:/path, grpc://host:port or grpcs://host:port" },
  { key: "remoteInstance", flag: "--remote-instance", env: "BST_CAS_RUN_REMOTE_INSTANCE", kind: "string", arg: "NAME", defaultText: "(empty)", description: "the instance name used upstream, whatever the sandboxed client uses (the same rules as --instance)" },
  { key: "serverCert", flag: "--server-cert", env: "BST_CAS_RUN_SERVER_CERT", kind: "string", arg: "FILE", defaultText: "system CAs", description: "PEM certificate the upstream's TLS certificate must chain to" },
  { key: "clientCert", flag: "--client-cert", env: "BST_CAS_RUN_CLIENT_CERT", kind: "string", arg: "FILE", defaultText: "", description: "PEM client certificate for mutual TLS with the upstream" },
  { key: "clientKey", flag: "--client-key", env: "BST_CAS_RUN_CLIENT_KEY", kind: "string", arg: "FILE", defaultText: "", description: "PEM private key of --client-cert" },
  { key: "accessTokenFile", flag: "--access-token-file", env: "BST_CAS_RUN_ACCESS_TOKEN_FILE", kind: "string", arg: "FILE", defaultText: "", description: "send the token in FILE to the upstream as a bearer token" },
  { key: "connectTimeout", flag: "--connect-timeout", env: "BST_CAS_RUN_CONNECT_TIMEOUT", kind: "string", arg: "SECONDS", defaultText: "10", description: "give up a connection to the upstream not made within SECONDS (TLS and HTTP/2 handshakes included): its calls fail UNAVAILABLE; the start-up check may take as long again for the answer" },
  { key: "sandbox", flag: "--sandbox", env: "BST_CAS_RUN_SANDBOX", kind: "string", arg: "bwrap|none", defaultText: "bwrap", description: "`none` runs the command on the host, the socket at its real path" },
  { key: "interactive", flag: "--interactive", env: "BST_CAS_RUN_INTERACTIVE", kind: "boolean", defaultText: "off", description: "give the command a terminal of its own, which script(1) relays to yours: job control and /dev/tty for a shell or another interactive program (standard input must be a terminal)" },
  { key: "root", flag: "--root", env: "BST_CAS_RUN_ROOT", kind: "string", arg: "DIR", defaultText: "/", description: "directory shown read-only as / in the sandbox; the working directory is then not bound" },
  { key: "bind", flag: "--bind", env: "BST_CAS_RUN_BIND", kind: "list", arg: "SRC[:DEST]", defaultText: "", description: "bind a host path writable (repeatable)" },
  { key: "roBind", flag: "--ro-bind", env: "BST_CAS_RUN_RO_BIND", kind: "list", arg: "SRC[:DEST]", defaultText: "", description: "bind a host path read-only (repeatable)" },
  { key: "tmpfs", flag: "--tmpfs", env: "BST_CAS_RUN_TMPFS", kind: "list", arg: "DEST", defaultText: "", description: "mount an empty tmpfs (repeatable)" },
  { key: "chdir", flag: "--chdir", env: "BST_CAS_RUN_CHDIR", kind: "string", arg: "DIR", defaultText: "the working directory (/ with --root)", description: "where the command starts in the sandbox" },
  { key: "shareNet", flag: "--share-net", env: "BST_CAS_RUN_SHARE_NET", kind: "boolean", defaultText: "off", description: "keep the host's network in the sandbox" },
  { key: "uid", flag: "--uid", env: "BST_CAS_RUN_UID", kind: "string", arg: "N", defaultText: "yours", description: "user id inside the sandbox" },
  { key: "gid", flag: "--gid", env: "BST_CAS_RUN_GID", kind: "string", arg: "N", defaultText: "yours", description: "group id inside the sandbox" },
  { key: "hostname", flag: "--hostname", env: "BST_CAS_RUN_HOSTNAME", kind: "string", arg: "NAME", defaultText: "the host's", description: "host name inside the sandbox" },
  { key: "setenv", flag: "--setenv", env: "BST_CAS_RUN_SETENV", kind: "list", arg: "NAME=VALUE", defaultText: "", description: "set a variable for the command (repeatable)" },
  { key: "unsetenv", flag: "--unsetenv", env: "BST_CAS_RUN_UNSETENV", kind: "list", arg: "NAME", defaultText: "", description: "remove a variable from the command's environment (repeatable)" },
  { key: "maxBlobSize", flag: "--max-blob-size", env: "BST_CAS_RUN_MAX_BLOB_SIZE", kind: "string", arg: "SIZE", defaultText: "no limit", description: "refuse blobs larger than SIZE (bytes, or with K, M, G, T)" },
  { key: "verbose", flag: "--verbose", env: "BST_CAS_RUN_VERBOSE", kind: "boolean", defaultText: "off", description: "log one line per call to stderr (also -v)" },
  { key: "logFile", flag: "--log-file", env: "BST_CAS_RUN_LOG_FILE", kind: "string", arg: "FILE", defaultText: "", description: "append one line per call to FILE" },
  { key: "stats", flag: "--stats", env: "BST_CAS_RUN_STATS", kind: "boolean", defaultText: "off", description: "print a summary of the calls to stderr at exit" },
  { key: "statsJson", flag: "--stats-json", env: "BST_CAS_RUN_STATS_JSON", kind: "string", arg: "FILE", defaultText: "", description: "write the call summary as JSON to FILE at exit (its directory must exist and be writable at start)" },
  { key: "clearenv", flag: "--clearenv", env: "BST_CAS_RUN_CLEARENV", kind: "boolean", defaultText: "off", description: "start the command with an empty environment but a minimal PATH (and the recc variables)" },
];

/** The flag that sets `key`, as the table names it. */
export function flagOf(key: keyof RawSettings): string {
  return rowOf(key).flag;
}

/** The environment variable that sets `key`, e.g. "BST_CAS_RUN_CONNECT_TIMEOUT". */
export function envOf(key: keyof RawSettings): string {
  return rowOf(key).env;
}

function rowOf(key: keyof RawSettings): OptionRow {
  const row = OPTION_TABLE.find((candidate) => candidate.key === key);
  if (row === undefined) throw new Error(`no option sets ${key}`);
  return row;
}
