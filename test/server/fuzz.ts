// A seeded fuzz of the filter through the real socket: hostile names, digests, instances, bodies and framing for every method.
import { existsSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import { dirname } from "node:path";
import t, { type Test } from "tap";
import { fromBinary } from "@bufbuild/protobuf";
import grpc from "@grpc/grpc-js";
import * as remote from "../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { METHOD_TABLE } from "../../src/policy/method-table.js";
import { watchForCrashes } from "../helpers/crash-watch.js";
import { callRaw, codeName } from "../helpers/grpc-call.js";
import { HostileStrings, Rng } from "../helpers/fuzz-inputs.js";
import { encode, generate, SERVED, type Input } from "../helpers/fuzz-requests.js";
import { startInProcessServer } from "../helpers/in-process-server.js";
import { frame, rawGrpcCall, rawSession, type RawGrpcAnswer } from "../helpers/raw-grpc.js";
import { eventually, listTree, storeProblems, storeTempFiles } from "../helpers/store-audit.js";

const SEED = Number(process.env["FUZZ_SEED"] ?? 20251128);
const INPUTS_PER_SERVER = Number(process.env["FUZZ_INPUTS"] ?? 5000);
const CONCURRENCY = 32;
/** Every n-th input goes through grpc-js (an independent gRPC stack); the rest through a bare HTTP/2 client. */
const GRPC_JS_EVERY = 4;
const REAPI = "build.bazel.remote.execution.v2";
const S = grpc.status;
const sentinel = `/tmp/bcr-fuzz-sentinel-${SEED}`;
const strings = new HostileStrings(sentinel);

/** Framing and headers a library client would never send, for the bare client's inputs. */
interface Framing {
  readonly name: string;
  payload(bodies: Uint8Array[]): Buffer;
  readonly headers?: Record<string, string>;
  /** Codes this framing may draw besides the lenient ones. */
  readonly codes?: readonly number[];
}
const framed = (bodies: Uint8Array[]) => Buffer.concat(bodies.map(frame));
const flaggedCompressed = (bodies: Uint8Array[]) => Buffer.concat(bodies.map((body) => Buffer.concat([Buffer.from([1]), frame(body).subarray(1)])));
const FRAMINGS: readonly Framing[] = [
  { name: "compressed flag without grpc-encoding", payload: flaggedCompressed },
  { name: "length prefix past the end", payload: (bodies) => Buffer.concat([frame(bodies[0] ?? new Uint8Array()).subarray(0, 5), Buffer.from([1])]) },
  { name: "a 4 GiB length prefix", payload: () => Buffer.from([0, 0xff, 0xff, 0xff, 0xff, 1, 2, 3]) },
  { name: "a cut-off prefix", payload: () => Buffer.from([0, 0, 0]) },
  { name: "no body at all", payload: () => Buffer.alloc(0) },
  { name: "gzip that is not gzip", payload: flaggedCompressed, headers: { "grpc-encoding": "gzip" } },
  { name: "an unknown grpc-encoding", payload: framed, headers: { "grpc-encoding": "../../etc/passwd" } },
  { name: "grpc+json with protobuf bytes", payload: framed, headers: { "content-type": "application/grpc+json" } },
  { name: "a malformed grpc-timeout", payload: framed, headers: { "grpc-timeout": "-1S" } },
  { name: "a 1 ns grpc-timeout", payload: framed, headers: { "grpc-timeout": "1n" }, codes: [S.DEADLINE_EXCEEDED] },
];

/** `text` with everything outside printable ASCII escaped, safe in TAP output. */
const printable = (text: string) => text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

/** What is wrong with an answer to an input; undefined when nothing is. */
function judge(input: Input, answer: RawGrpcAnswer, lenient: readonly number[]): string | undefined {
  if (answer.malformed !== undefined) return `not a well-formed gRPC answer: ${answer.malformed}`;
  if (!Number.isInteger(answer.code) || answer.code < 0 || answer.code > 16) return `not a gRPC status: ${answer.code}`;
  // A body that is not a protobuf message: INTERNAL, as grpc-go and grpc-java answer it too.
  const undecodable =
    answer.code === S.INTERNAL && /^(parse binary|protocol error|invalid envelope|premature eof|received compressed)/i.test(answer.details);
  const refused = !input.codes.some((code) => SERVED.includes(code));
  if (!refused && (input.garbled === true || lenient.length > 0) && (undecodable || lenient.includes(answer.code))) return undefined;
  if (!input.codes.includes(answer.code)) return `${codeName(answer.code)} is not one of ${input.codes.map(codeName).join(", ")}`;
  if (input.mustFail && answer.code === S.OK) return "an invalid request succeeded";
  if (input.badItems !== undefined && answer.code === S.OK) {
    const response = fromBinary(remote.BatchUpdateBlobsResponseSchema, answer.messages[0] ?? new Uint8Array());
    const stored = input.badItems.filter((index) => response.responses[index]?.status?.code === S.OK);
    if (stored.length > 0) return `items ${stored.join(",")} stored with a wrong digest`;
  }
  return undefined;
}

/** Top-level names in `dir` that are new since `before` and look like something the server would make. */
async function suspiciousNew(dir: string, before: ReadonlySet<string>, ignore: string): Promise<string[]> {
  const pattern = /[0-9a-f]{64}|upload-|\.partial$|\.tmp$|sentinel/;
  const words = new Set(strings.words.flatMap((word) => word.split("/")));
  return (await readdir(dir)).filter((name) => !before.has(name) && name !== ignore && (pattern.test(name) || words.has(name)));
}

for (const config of [
  { instanceName: "main", flags: { actionCacheUpdate: true } },
  { instanceName: "", flags: { actionCacheUpdate: false } },
]) {
  const { instanceName, flags } = config;
  const update = flags.actionCacheUpdate ? "with" : "without";
  const title = `${INPUTS_PER_SERVER} hostile calls, instance ${JSON.stringify(instanceName)}, ${update} AC updates (seed ${SEED})`;
  t.test(title, async (t: Test) => {
    t.comment(`fuzz seed ${SEED} (set FUZZ_SEED to replay, FUZZ_INPUTS for the count per server)`);
    const crashes = watchForCrashes(t);
    await rm(sentinel, { recursive: true, force: true });
    const served = await startInProcessServer(t, config);
    const testDir = dirname(served.storeDir);
    const outsideStore = async () => (await listTree(testDir)).filter((entry) => !entry.startsWith("store/"));
    const testDirBefore = await outsideStore();
    const tmpBefore = new Set(await readdir("/tmp"));
    const cwdBefore = new Set(await readdir(process.cwd()));

    const r = new Rng(SEED ^ (flags.actionCacheUpdate ? 1 : 2));
    const client = served.client();
    const session = rawSession(served.socketPath);
    t.teardown(() => session.destroy());
    const failures: string[] = [];
    const codes = new Map<string, number>();
    const garbledPaths = new Set<string>();
    let sent = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (sent < INPUTS_PER_SERVER) {
          const index = sent++;
          const input = generate(r, strings, instanceName, flags);
          if (input.garbled === true) garbledPaths.add(input.path);
          const framing = index % GRPC_JS_EVERY !== 0 && r.chance(0.1) ? r.pick(FRAMINGS) : undefined;
          let answer: RawGrpcAnswer;
          if (index % GRPC_JS_EVERY === 0) {
            answer = await callRaw(client, input.path, input.shape, input.bodies, { deadlineMs: 15_000 });
          } else {
            const payload = framing?.payload(input.bodies) ?? Buffer.concat(input.bodies.map(frame));
            const headers = framing?.headers !== undefined ? { headers: framing.headers } : {};
            answer = await rawGrpcCall(session, input.path, payload, { deadlineMs: 15_000, ...headers });
          }
          const key = answer.malformed === undefined ? codeName(answer.code) : "malformed";
          codes.set(key, (codes.get(key) ?? 0) + 1);
          const lenient = framing === undefined ? [] : [S.INVALID_ARGUMENT, S.RESOURCE_EXHAUSTED, S.UNIMPLEMENTED, ...(framing.codes ?? [])];
          const problem = judge(input, answer, lenient);
          if (problem !== undefined) {
            const via = index % GRPC_JS_EVERY === 0 ? "grpc-js" : `bare http2${framing ? `, ${framing.name}` : ""}`;
            const what = `${JSON.stringify(input.label.slice(0, 160))} on ${input.path.slice(0, 100)}`;
            failures.push(printable(`#${index} (${via}) ${what}: ${problem} (${answer.details.slice(0, 160)})`));
          }
        }
      }),
    );
    t.comment(`${sent} calls in ${Date.now() - started} ms; answers: ${JSON.stringify(Object.fromEntries(codes))}`);
    t.equal(sent, INPUTS_PER_SERVER, "every input was sent");
    const tablePaths = METHOD_TABLE.map((rule) => `/${rule.service}/${rule.method}`);
    t.strictSame([...garbledPaths].sort(), tablePaths.sort(), "every method of the table got random bodies");
    t.strictSame(failures.slice(0, 25), [], `every answer is a well-formed status the spec allows (seed ${SEED}, ${failures.length} failures)`);
    t.strictSame(crashes.map(String), [], `no uncaught exception or unhandled rejection (seed ${SEED})`);

    const health = await callRaw(served.client(), `/${REAPI}.Capabilities/GetCapabilities`, "unary", [
      encode(remote.GetCapabilitiesRequestSchema, { instanceName }),
    ]);
    t.equal(codeName(health.code), codeName(S.OK), "the server still answers on a new channel");

    t.notOk(existsSync(sentinel), `nothing was created at ${sentinel}, where absolute and traversing names point`);
    t.strictSame(await outsideStore(), testDirBefore, "nothing appeared next to the store");
    const tmpNew = await suspiciousNew("/tmp", tmpBefore, served.socketDir.slice("/tmp/".length));
    t.strictSame(tmpNew, [], "nothing the server could have made appeared in /tmp");
    t.strictSame(await suspiciousNew(process.cwd(), cwdBefore, ""), [], "nothing the server could have made appeared in the working directory");
    t.strictSame(await readdir(served.socketDir), ["reapi.sock"], "the socket directory holds only the socket");
    t.ok(await eventually(async () => (await storeTempFiles(served.storeDir)).length === 0), "no temp file is left in the store's tmp/");
    t.strictSame(await storeProblems(served.storeDir, { partialUploads: true }), [], "cas/ and ac/ hold only verified blobs and well-named entries");
  });
}
