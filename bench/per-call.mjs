#!/usr/bin/env node
// What one call costs: buildbox-casd, `bst-cas-run serve` (embedded) and a bare node:http2 server
// (bench/lib/bare-http2-server.mjs) side by side, interleaved, from one Node HTTP/2 client. Prints
// each server's median latency (p25-p75) and CPU per call for: a fresh connection with one
// GetCapabilities; BatchReadBlobs of 1 KiB on one connection; GetActionResult that misses, on one
// connection; and a recc cache hit's calls (a fresh connection, GetActionResult that hits, then
// BatchReadBlobs) paced as recc's hits come, with the server idle for PACE_MS between them. The
// bare server answers an empty message to everything, so its figures are the floor of Node's
// HTTP/2, not the same work.
//
//   node bench/per-call.mjs        (BENCH_ROOT: the sid root; PER_CALL_RUNS: calls per case,
//                                   default 1000; PER_CALL_PACED_RUNS: paced hits, default 100)
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { connect as connectHttp2 } from "node:http2";
import { connect as connectNet } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cpuSeconds, Services } from "./lib/procs.mjs";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(REPO, "bin", "bst-cas-run.cjs");
const RUNS = Number(process.env.PER_CALL_RUNS ?? 1000);
const PACED_RUNS = Number(process.env.PER_CALL_PACED_RUNS ?? 100);
/** How long the server sits idle between recc's hits: about what a hit straight to casd takes (BENCHMARKS.md, rows 2-3). */
const PACE_MS = 130;
const CAS = "/build.bazel.remote.execution.v2.ContentAddressableStorage";

function sidRoot() {
  if (process.env.BENCH_ROOT) return process.env.BENCH_ROOT;
  return execFileSync("bash", [join(REPO, "test", "interop", "build-root.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim().split("\n").pop();
}

// Protobuf by hand: a Digest, and the few requests below (length-delimited fields only).
const varint = (value) => {
  const bytes = [];
  for (; value > 127; value >>>= 7) bytes.push((value & 127) | 128);
  bytes.push(value);
  return Buffer.from(bytes);
};
const field = (number, bytes) => Buffer.concat([varint((number << 3) | 2), varint(bytes.length), bytes]);
const grpcFrame = (message) => Buffer.concat([Buffer.from([0]), Buffer.from(new Uint32Array([message.length]).buffer).reverse(), message]);
const BLOB = Buffer.alloc(1024, 7);
const digestOf = (bytes) => Buffer.concat([field(1, Buffer.from(createHash("sha256").update(bytes).digest("hex"))), varint(2 << 3), varint(bytes.length)]);
const DIGEST = digestOf(BLOB);
const ACTION_DIGEST = digestOf(Buffer.from("the action of the paced hits"));
const REQUESTS = {
  update: [`${CAS}/BatchUpdateBlobs`, field(2, Buffer.concat([field(1, DIGEST), field(2, BLOB)]))],
  capabilities: ["/build.bazel.remote.execution.v2.Capabilities/GetCapabilities", Buffer.alloc(0)],
  read: [`${CAS}/BatchReadBlobs`, field(2, DIGEST)],
  // The blob's digest as an action digest: no action result is stored under it.
  miss: ["/build.bazel.remote.execution.v2.ActionCache/GetActionResult", field(2, DIGEST)],
  // An action result naming the blob as its one output file (path "hello.o"), stored under the action digest below.
  store: ["/build.bazel.remote.execution.v2.ActionCache/UpdateActionResult", Buffer.concat([field(2, ACTION_DIGEST), field(3, field(2, Buffer.concat([field(1, Buffer.from("hello.o")), field(2, DIGEST)])))])],
  hit: ["/build.bazel.remote.execution.v2.ActionCache/GetActionResult", field(2, ACTION_DIGEST)],
};

/** One unary call on `session`; resolves with its latency in ms and its grpc-status (from the trailers, or the headers of a trailers-only answer). */
function call(session, [path, message]) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers" });
    let status;
    stream.on("response", (headers) => (status = headers["grpc-status"]));
    stream.on("data", () => {});
    stream.on("trailers", (trailers) => (status = trailers["grpc-status"]));
    stream.on("error", reject);
    stream.on("close", () => resolve({ ms: Number(process.hrtime.bigint() - start) / 1e6, status }));
    stream.end(grpcFrame(message));
  });
}
const open = (socket) => connectHttp2("http://localhost", { createConnection: () => connectNet(socket) });

/** `work(session)` on a connection of its own to `socket`, closed once it is done. */
async function onFreshConnection(socket, work) {
  const session = open(socket);
  try {
    return await work(session);
  } finally {
    session.close();
  }
}

const freshConnectionCall = (socket, request) => onFreshConnection(socket, (session) => call(session, request));

/** A recc cache hit's calls on a fresh connection; its latency is the two calls', its status the first that is not OK. */
const hitCalls = (socket) =>
  onFreshConnection(socket, async (session) => {
    const lookup = await call(session, REQUESTS.hit);
    const read = await call(session, REQUESTS.read);
    return { ms: lookup.ms + read.ms, status: lookup.status !== "0" ? lookup.status : read.status };
  });

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `once(server)` `runs` times per server, rotating the order, after a tenth as many untimed,
 * pausing `pauseMs` after each; prints the figures. Every call must end with the grpc-status
 * `expected` names for its server (the bare server answers OK to everything).
 */
async function measure(title, servers, expected, once, runs = RUNS, pauseMs = 0) {
  const checked = async (server) => {
    const outcome = await once(server);
    if (pauseMs > 0) await sleep(pauseMs);
    const want = server.name === "bare" ? "0" : expected;
    if (outcome.status !== want) throw new Error(`${title}: ${server.name} answered grpc-status ${outcome.status}, not ${want}`);
    return outcome;
  };
  for (let round = 0; round < Math.ceil(runs / 10); round++) for (const server of servers) await checked(server);
  const latencies = new Map(servers.map((server) => [server, []]));
  const cpuBefore = new Map();
  for (const server of servers) cpuBefore.set(server, await cpuSeconds(server.pid));
  for (let round = 0; round < runs; round++) {
    for (let index = 0; index < servers.length; index++) {
      const server = servers[(index + round) % servers.length];
      latencies.get(server).push((await checked(server)).ms);
    }
  }
  await sleep(100);
  process.stdout.write(`\n${title} (${runs} each)\n`);
  for (const server of servers) {
    const sorted = latencies.get(server).sort((a, b) => a - b);
    const at = (share) => sorted[Math.floor(sorted.length * share)].toFixed(3);
    const cpu = ((await cpuSeconds(server.pid)) - cpuBefore.get(server)) / runs * 1000;
    process.stdout.write(`  ${server.name.padEnd(6)} median ${at(0.5)} ms (p25-p75 ${at(0.25)}-${at(0.75)}), server CPU ${cpu.toFixed(2)} ms each\n`);
  }
}

async function main() {
  const work = await mkdtemp(join(tmpdir(), "bst-cas-run-per-call-"));
  const services = new Services();
  try {
    const root = sidRoot();
    await mkdir(join(work, "sock"));
    await mkdir(join(work, "casd"));
    const casd = await services.startCasd(root, join(work, "sock"), join(work, "casd"));
    const serveSocket = join(work, "sock", "serve.sock");
    const serve = await services.startServe(BIN, serveSocket, ["--cache-dir", join(work, "store"), "--action-cache-enable-update"]);
    const bareSocket = join(work, "sock", "bare.sock");
    const bare = await services.start("bare node:http2", process.execPath, [join(REPO, "bench", "lib", "bare-http2-server.mjs"), bareSocket], bareSocket);
    const servers = [
      { name: "casd", pid: casd.pid, socket: join(work, "sock", "casd.sock") },
      { name: "serve", pid: serve.pid, socket: serveSocket },
      { name: "bare", pid: bare.pid, socket: bareSocket },
    ];
    for (const server of servers) {
      server.session = open(server.socket);
      for (const name of ["update", "store"]) {
        const stored = await call(server.session, REQUESTS[name]);
        if (stored.status !== "0") throw new Error(`${server.name}: ${REQUESTS[name][0]} answered grpc-status ${stored.status}`);
      }
    }
    await measure("fresh connection, one GetCapabilities", servers, "0", (server) => freshConnectionCall(server.socket, REQUESTS.capabilities));
    await measure("one connection, BatchReadBlobs of 1 KiB", servers, "0", (server) => call(server.session, REQUESTS.read));
    await measure("one connection, GetActionResult that misses", servers, "5", (server) => call(server.session, REQUESTS.miss));
    const paced = `a recc hit's calls, ${PACE_MS} ms apart: fresh connection, GetActionResult that hits, BatchReadBlobs`;
    await measure(paced, servers, "0", (server) => hitCalls(server.socket), PACED_RUNS, PACE_MS);
    for (const server of servers) server.session.close();
  } finally {
    await services.stopAll();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`per-call: failed: ${error.stack ?? error}\n`);
  process.exitCode = 1;
});
