// A seeded fuzz of the socket below gRPC: raw bytes, broken HTTP/2, HTTP/1.1 and Connect JSON, refused the same way.
import { connect as connectSocket } from "node:net";
import t from "tap";
import grpc from "@grpc/grpc-js";
import { Capabilities } from "../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { METHOD_TABLE } from "../../src/policy/method-table.js";
import { watchForCrashes } from "../helpers/crash-watch.js";
import { call, codeName } from "../helpers/grpc-call.js";
import { HostileStrings, Rng, unknownPath } from "../helpers/fuzz-inputs.js";
import { startInProcessServer, type InProcessServer } from "../helpers/in-process-server.js";
import { rawSession } from "../helpers/raw-grpc.js";
import { eventually, storeProblems, storeTempFiles } from "../helpers/store-audit.js";

const SEED = Number(process.env["FUZZ_SEED"] ?? 20251128);
const CONNECTIONS = Number(process.env["FUZZ_CONNECTIONS"] ?? 600);
const JSON_REQUESTS = Number(process.env["FUZZ_JSON"] ?? 1500);
const PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
const CONTENT_TYPES = ["application/json", "application/proto", "application/grpc", "application/connect+json", "text/plain"];
const TABLE_PATHS = METHOD_TABLE.map((rule) => `/${rule.service}/${rule.method}`);
/** Refused with the server's default flags (actionCacheUpdate off). */
const REFUSED = new Set(METHOD_TABLE.filter((rule) => rule.decision !== "allow").map((rule) => `/${rule.service}/${rule.method}`));
const strings = new HostileStrings(`/tmp/bcr-fuzz-sentinel-${SEED}`);

/** Writes `bytes` on a new connection and collects the reply until the server closes it or 2 s pass. */
function exchange(served: InProcessServer, bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = connectSocket(served.socketPath);
    let reply = "";
    socket.setTimeout(2000, () => socket.destroy());
    socket.on("data", (chunk) => (reply += chunk.toString("latin1")));
    socket.on("error", () => undefined);
    socket.on("close", () => resolve(reply));
    socket.end(bytes);
  });
}

/** A JSON value built from hostile parts: wrong types, huge numbers, deep nesting. */
function hostileJson(r: Rng, depth = 0): unknown {
  switch (depth > 3 ? r.int(4) : r.int(7)) {
    case 0:
      return strings.word(r);
    case 1:
      return r.pick([-1, 0, 1e308, -1e308, 2 ** 53 + 1, 0.5, "1e999", "-1", "9".repeat(30), true, null]);
    case 2:
      return strings.digest(r).hash;
    case 3:
      return { hash: strings.hash(r), sizeBytes: r.chance(0.5) ? strings.sizeText(r) : r.pick([-1, 1e21, "0x10", [], {}]) };
    case 4:
      return Array.from({ length: r.int(4) }, () => hostileJson(r, depth + 1));
    default: {
      const keys = ["instanceName", "blobDigests", "digests", "requests", "rootDigest", "actionDigest", "resourceName", "data"];
      keys.push("__proto__", "constructor", strings.word(r));
      return Object.fromEntries(Array.from({ length: 1 + r.int(4) }, () => [r.pick(keys), hostileJson(r, depth + 1)]));
    }
  }
}

t.test(`${CONNECTIONS} hostile connections and ${JSON_REQUESTS} hostile Connect JSON requests (seed ${SEED})`, async (t) => {
  t.comment(`fuzz seed ${SEED} (set FUZZ_SEED to replay)`);
  const crashes = watchForCrashes(t);
  const served = await startInProcessServer(t);
  const r = new Rng(SEED ^ 3);
  const failures: string[] = [];
  const counts = new Map<string, number>();
  const count = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);

  for (let batch = 0; batch < CONNECTIONS; batch += 20) {
    await Promise.all(
      Array.from({ length: Math.min(20, CONNECTIONS - batch) }, async (_, offset) => {
        const index = batch + offset;
        const kind = r.int(3);
        if (kind === 0) {
          await exchange(served, r.bytes(r.length(4096)));
          return;
        }
        if (kind === 1) {
          await exchange(served, Buffer.concat([Buffer.from(PREFACE), r.bytes(r.length(4096))]));
          return;
        }
        const path = r.chance(0.7) ? r.pick(TABLE_PATHS) : unknownPath(r, TABLE_PATHS);
        const contentType = r.pick([...CONTENT_TYPES, strings.word(r).replace(/[\r\n\u0000]/g, "")]);
        const body = r.chance(0.5) ? Buffer.from(JSON.stringify(hostileJson(r))) : r.bytes(r.length(2048));
        const headers = `Host: x\r\nConnection: close\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.byteLength}\r\n`;
        const head = `${r.pick(["POST", "POST", "GET", "PUT", "OPTIONS"])} ${path} HTTP/1.1\r\n${headers}\r\n`;
        const reply = await exchange(served, Buffer.concat([Buffer.from(head, "latin1"), body]));
        const status = /^HTTP\/1\.1 ([0-9]{3})/.exec(reply)?.[1] ?? "none";
        count(`HTTP/1.1 ${REFUSED.has(path) ? "refused" : "other"} ${status}`);
        const served200 = status.startsWith("2") && !/grpc-status: ?([1-9]|1[0-6])\b/i.test(reply);
        if (REFUSED.has(path) && served200) failures.push(`#${index} HTTP/1.1 ${path} (${contentType}) was answered: ${reply.slice(0, 120)}`);
        if (REFUSED.has(path) && head.startsWith("POST") && contentType === "application/json" && status !== "403") {
          failures.push(`#${index} HTTP/1.1 POST ${path} (JSON) got ${status}, not 403`);
        }
      }),
    );
  }

  const session = rawSession(served.socketPath);
  t.teardown(() => session.destroy());
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < JSON_REQUESTS) {
        const index = next++;
        const path = r.chance(0.8) ? r.pick(TABLE_PATHS) : unknownPath(r, TABLE_PATHS);
        const body = r.chance(0.1) ? `${"[".repeat(r.int(100_000))}` : JSON.stringify(hostileJson(r));
        const answer = await new Promise<{ status: number; body: string }>((resolve) => {
          const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/json" });
          let status = 0;
          let text = "";
          stream.setTimeout(15_000, () => stream.close());
          stream.on("response", (headers) => (status = Number(headers[":status"])));
          stream.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
          stream.on("error", () => undefined);
          stream.on("close", () => resolve({ status, body: text }));
          stream.end(body);
        });
        count(`Connect JSON ${REFUSED.has(path) ? "refused" : TABLE_PATHS.includes(path) ? "allowed" : "unknown"} ${answer.status}`);
        const wanted = REFUSED.has(path) ? [403] : TABLE_PATHS.includes(path) ? [200, 400, 403, 404, 408, 413, 415] : [403, 404];
        if (!wanted.includes(answer.status)) {
          failures.push(`#${index} Connect JSON ${path.slice(0, 100)}: HTTP ${answer.status} ${answer.body.slice(0, 160)}`);
        }
      }
    }),
  );

  t.comment(`answers: ${JSON.stringify(Object.fromEntries([...counts].sort()))}`);
  t.strictSame(failures.slice(0, 25), [], `every refusal held and every answer was well-formed (seed ${SEED}, ${failures.length} failures)`);
  t.strictSame(crashes.map(String), [], "no uncaught exception or unhandled rejection");
  const health = await call(served.client(), Capabilities.method.getCapabilities, {});
  t.equal(codeName(health.code), codeName(grpc.status.OK), "the server still answers gRPC");
  t.ok(await eventually(async () => (await storeTempFiles(served.storeDir)).length === 0), "no temp file is left in the store's tmp/");
  t.strictSame(await storeProblems(served.storeDir, { partialUploads: true }), [], "the store holds only verified blobs");
});
