// Starts the real filtering server in this process on a real UNIX socket, backed by the embedded store.
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import grpc from "@grpc/grpc-js";
import type { Test } from "tap";
import { openLocalStore, type LocalStore } from "../../src/backend/local/local-store.js";
import type { PolicyFlags } from "../../src/policy/method-table.js";
import type { CallObserver } from "../../src/server/observe/call-record.js";
import { startReapiServer, type ReapiServer } from "../../src/server/reapi-server.js";
import { DEFAULT_LIMITS, type ServerLimits } from "../../src/server/server-context.js";

/** What the server under test is started with; everything optional. */
export interface InProcessServerOptions {
  readonly flags?: Partial<PolicyFlags>;
  /** The one instance name served; "" when absent. */
  readonly instanceName?: string;
  readonly limits?: Partial<ServerLimits>;
  readonly observe?: CallObserver;
}

/** A running server with its store, and a factory for clients closed on teardown. */
export interface InProcessServer {
  readonly server: ReapiServer;
  readonly store: LocalStore;
  /** The store's root directory (inside `t.testdir()`). */
  readonly storeDir: string;
  /** The private, short directory under /tmp that holds the socket. */
  readonly socketDir: string;
  readonly socketPath: string;
  /** `unix:<socketPath>`, the grpc-js target. */
  readonly address: string;
  readonly flags: PolicyFlags;
  readonly instanceName: string;
  readonly limits: ServerLimits;
  /** A new grpc-js channel to the socket (its own connection), closed before the server on teardown. */
  client(): grpc.Client;
}

/** Channel options: messages up to 64 MiB both ways, so that only the server's limits apply. */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  "grpc.max_receive_message_length": 64 * 1024 * 1024,
  "grpc.max_send_message_length": 64 * 1024 * 1024,
};

/** How long teardown waits for `server.close()` before it reports the server as stuck. */
const CLOSE_TIMEOUT_MS = 15_000;

/** Each test's directory and the stores made in it so far. */
const testDirs = new WeakMap<Test, { dir: string; stores: number }>();

/**
 * `t.testdir()/store` for a test's first server, `store-2`, `store-3`... for the next ones
 * (`t.testdir()` empties the directory, so it is called once per test).
 */
function nextStoreDir(t: Test): string {
  let entry = testDirs.get(t);
  if (entry === undefined) {
    // tap names a test's directory after the test alone: another run of the same file in this
    // checkout would empty it mid-test. The pid keeps concurrent runs apart.
    t.testdirName = `${t.testdirName}-${process.pid}`;
    entry = { dir: t.testdir(), stores: 0 };
    testDirs.set(t, entry);
  }
  entry.stores++;
  return join(entry.dir, entry.stores === 1 ? "store" : `store-${entry.stores}`);
}

/**
 * Starts `startReapiServer` on `/tmp/bcr-srv-XXXXXX/reapi.sock` (socket paths must stay under
 * 107 bytes) with an `openLocalStore` store in `t.testdir()/store`. Teardown closes the clients,
 * the server and the store, then removes the socket directory.
 */
export async function startInProcessServer(t: Test, options: InProcessServerOptions = {}): Promise<InProcessServer> {
  const flags: PolicyFlags = { actionCacheUpdate: false, ...options.flags };
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const instanceName = options.instanceName ?? "";
  const clients: grpc.Client[] = [];
  let store: LocalStore | undefined;
  let server: ReapiServer | undefined;
  let socketDir: string | undefined;
  // Registered before anything can fail, so that a server that does not start leaves nothing
  // behind; and before t.testdir(), so that it runs before tap removes the test's directory.
  t.teardown(async () => {
    for (const client of clients) client.close();
    const closed = await Promise.race([
      (server?.close() ?? Promise.resolve()).then(() => true),
      new Promise<false>((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS, false).unref()),
    ]);
    await store?.close();
    if (socketDir !== undefined) await rm(socketDir, { recursive: true, force: true });
    if (!closed) throw new Error(`server.close() in ${socketDir} did not finish within ${CLOSE_TIMEOUT_MS} ms`);
  });
  const storeDir = nextStoreDir(t);
  socketDir = await mkdtemp("/tmp/bcr-srv-");
  const socketPath = join(socketDir, "reapi.sock");
  store = await openLocalStore(storeDir);
  server = await startReapiServer({
    backend: store,
    flags,
    instanceName,
    limits,
    listen: { kind: "unix", path: socketPath },
    ...(options.observe !== undefined ? { observe: options.observe } : {}),
  });
  const address = `unix:${socketPath}`;
  return {
    server,
    store,
    storeDir,
    socketDir,
    socketPath,
    address,
    flags,
    instanceName,
    limits,
    client() {
      // A distinct channel per client: grpc-js would otherwise share one subchannel between them.
      const client = new grpc.Client(address, grpc.credentials.createInsecure(), {
        ...CHANNEL_OPTIONS,
        "grpc.use_local_subchannel_pool": 1,
      });
      clients.push(client);
      return client;
    },
  };
}
