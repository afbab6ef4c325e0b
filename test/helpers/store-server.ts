// The filtering server in this process on a real UNIX socket over an embedded store, and typed Connect clients for it.
import { createCipheriv, createHash, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { connect as connectSocket } from "node:net";
import { join } from "node:path";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import type { Test } from "tap";
import { openLocalStore, type LocalStore, type LocalStoreOptions } from "../../src/backend/local/local-store.js";
import { ActionCache, ContentAddressableStorage } from "../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { ByteStream } from "../../src/gen/google/bytestream/bytestream_pb.js";
import type { BlobDigest } from "../../src/policy/digest.js";
import { startReapiServer } from "../../src/server/reapi-server.js";
import { DEFAULT_LIMITS } from "../../src/server/server-context.js";

/** Clients on one connection of their own. */
export interface StoreClients {
  readonly cas: Client<typeof ContentAddressableStorage>;
  readonly ac: Client<typeof ActionCache>;
  readonly bytestream: Client<typeof ByteStream>;
  /** Drops the connection (as a client that dies would). */
  close(): void;
}

/** A running server over a store. */
export interface StoreServer {
  readonly store: LocalStore;
  readonly storeDir: string;
  readonly socketPath: string;
  /** A new connection with its clients; closed on teardown. */
  connect(): StoreClients;
}

/** How {@link startStoreServer} sets things up. */
export interface StoreServerOptions {
  /** The store's directory; a fresh private one when absent. */
  readonly storeDir?: string;
  readonly store?: LocalStoreOptions;
  /** Allow UpdateActionResult (default true: these tests exercise the store). */
  readonly actionCacheUpdate?: boolean;
}

/**
 * Opens a store and starts `startReapiServer` on `/tmp/bcr-st-XXXXXX/s.sock` (short: socket paths
 * must fit 107 bytes). Teardown closes clients, server and store and removes the socket directory.
 */
export async function startStoreServer(t: Test, options: StoreServerOptions = {}): Promise<StoreServer> {
  const storeDir = options.storeDir ?? join(privateTestDir(t), "store");
  const socketDir = await mkdtemp("/tmp/bcr-st-");
  const socketPath = join(socketDir, "s.sock");
  const store = await openLocalStore(storeDir, options.store);
  const server = await startReapiServer({
    listen: { kind: "unix", path: socketPath },
    backend: store,
    flags: { actionCacheUpdate: options.actionCacheUpdate ?? true },
    instanceName: "",
    limits: DEFAULT_LIMITS,
  });
  const open: StoreClients[] = [];
  t.teardown(async () => {
    for (const clients of open) clients.close();
    await server.close();
    await store.close();
    await rm(socketDir, { recursive: true, force: true });
  });
  return {
    store,
    storeDir,
    socketPath,
    connect: () => {
      const clients = connectClients(socketPath);
      open.push(clients);
      return clients;
    },
  };
}

/** Clients over a new HTTP/2 connection to the socket at `socketPath`. */
export function connectClients(socketPath: string): StoreClients {
  const sessionManager = new Http2SessionManager("http://localhost", {}, { createConnection: () => connectSocket(socketPath) });
  const transport = createGrpcTransport({ baseUrl: "http://localhost", sessionManager, readMaxBytes: 64 * 1024 * 1024 });
  return {
    cas: createClient(ContentAddressableStorage, transport),
    ac: createClient(ActionCache, transport),
    bytestream: createClient(ByteStream, transport),
    close: () => sessionManager.abort(),
  };
}

/** The digest of `data`. */
export function digestOf(data: Uint8Array): BlobDigest {
  return { hash: createHash("sha256").update(data).digest("hex"), sizeBytes: data.byteLength };
}

/** The digest in its wire form. */
export function wire(digest: BlobDigest): { hash: string; sizeBytes: bigint } {
  return { hash: digest.hash, sizeBytes: BigInt(digest.sizeBytes) };
}

/** Deterministic pseudo-random bytes (AES-CTR keystream): the same seed names the same blob. */
export function blobOf(size: number, seed: string): Buffer {
  const key = createHash("sha256").update(seed).digest();
  const cipher = createCipheriv("aes-256-ctr", key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(size)), cipher.final()]);
}

/** A fresh ByteStream upload name for `digest`. */
export function uploadName(digest: BlobDigest, uuid: string = randomUUID()): string {
  return `uploads/${uuid}/blobs/${digest.hash}/${digest.sizeBytes}`;
}

/** Uploads `data` (from `offset`) through ByteStream Write in `chunkSize` pieces; resolves with committed_size. */
export async function byteStreamWrite(
  clients: StoreClients,
  data: Uint8Array,
  options: { name?: string; offset?: number; chunkSize?: number; finish?: boolean } = {},
): Promise<bigint> {
  const name = options.name ?? uploadName(digestOf(data));
  const chunkSize = options.chunkSize ?? 256 * 1024;
  const start = options.offset ?? 0;
  async function* requests() {
    let offset = start;
    do {
      const chunk = data.subarray(offset, offset + chunkSize);
      const last = offset + chunk.byteLength >= data.byteLength;
      yield { resourceName: offset === start ? name : "", writeOffset: BigInt(offset), finishWrite: last && options.finish !== false, data: chunk };
      offset += chunk.byteLength;
    } while (offset < data.byteLength);
  }
  const response = await clients.bytestream.write(requests());
  return response.committedSize;
}

/** Reads a blob through ByteStream Read; resolves with its bytes. */
export async function byteStreamRead(clients: StoreClients, digest: BlobDigest, offset = 0, limit = 0): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  const name = `blobs/${digest.hash}/${digest.sizeBytes}`;
  for await (const response of clients.bytestream.read({ resourceName: name, readOffset: BigInt(offset), readLimit: BigInt(limit) })) {
    parts.push(response.data);
  }
  return Buffer.concat(parts);
}

/**
 * A fresh directory of this test run's own under the temp dir, removed on teardown. Unlike
 * `t.testdir()` (one fixed path per test name) it is never shared with another run of the same
 * test, e.g. a second `tap` in the same clone.
 */
export function privateTestDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), "bcr-store-test-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
