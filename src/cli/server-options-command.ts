// The options every command that runs a server shares: backend, policy, limits and observability.
import { Command, Option } from "clipanion";
import type { RawSettings } from "./option-table.js";

/** Base class of `run` and `serve`: declares their common options once. */
export abstract class ServerOptionsCommand extends Command {
  cacheDir = Option.String("--cache-dir", { description: "directory of the embedded store (default: $XDG_CACHE_HOME/bst-cas-run)" });
  cacheQuota = Option.String("--cache-quota", { description: "keep the store's blobs under SIZE, evicting the least recently used (default: no limit)" });
  remote = Option.String("--remote", { description: "upstream REAPI server: unix:/path, grpc://host:port or grpcs://host:port" });
  remoteInstance = Option.String("--remote-instance", { description: "instance name used upstream" });
  serverCert = Option.String("--server-cert", { description: "PEM certificate the upstream's must chain to" });
  clientCert = Option.String("--client-cert", { description: "PEM client certificate for the upstream" });
  clientKey = Option.String("--client-key", { description: "PEM key of --client-cert" });
  accessTokenFile = Option.String("--access-token-file", { description: "bearer token for the upstream, read from FILE" });
  connectTimeout = Option.String("--connect-timeout", { description: "seconds a connection to the upstream may take, handshakes included (default: 10)" });
  instance = Option.String("--instance", { description: "the only REAPI instance name clients may use (default: empty)" });
  actionCacheEnableUpdate = Option.Boolean("--action-cache-enable-update", { description: "allow ActionCache/UpdateActionResult" });
  maxBlobSize = Option.String("--max-blob-size", { description: "refuse blobs larger than SIZE (bytes, or with K, M, G, T)" });
  verbose = Option.Boolean("-v,--verbose", { description: "log one line per call to stderr" });
  logFile = Option.String("--log-file", { description: "append one line per call to FILE" });
  stats = Option.Boolean("--stats", { description: "print a summary of the calls to stderr at exit" });
  statsJson = Option.String("--stats-json", { description: "write the call summary as JSON to FILE at exit" });

  /** The shared options as given on the command line. */
  serverFlags(): RawSettings {
    return {
      cacheDir: this.cacheDir,
      cacheQuota: this.cacheQuota,
      remote: this.remote,
      remoteInstance: this.remoteInstance,
      serverCert: this.serverCert,
      clientCert: this.clientCert,
      clientKey: this.clientKey,
      accessTokenFile: this.accessTokenFile,
      connectTimeout: this.connectTimeout,
      instance: this.instance,
      actionCacheEnableUpdate: this.actionCacheEnableUpdate,
      maxBlobSize: this.maxBlobSize,
      verbose: this.verbose,
      logFile: this.logFile,
      stats: this.stats,
      statsJson: this.statsJson,
    };
  }
}
