// Tests for src/server/status-of.ts: statuses from errors, and a cache miss that never builds a ConnectError (whose Headers load Node's fetch implementation).
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { execa } from "execa";
import t from "tap";
import { GetActionResultRequestSchema } from "../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { StatusError, statusOf, toCallStatus, toConnectError } from "../../src/server/status-of.js";
import { frame, rawGrpcCall, rawSession } from "../helpers/raw-grpc.js";
import { untilServing } from "../helpers/tls.js";
import { privateTestDir } from "../helpers/store-server.js";

const BIN = fileURLToPath(new URL("../../bin/bst-cas-run.cjs", import.meta.url));
const REPORT_FETCH = fileURLToPath(new URL("../fixtures/report-loaded-modules.cjs", import.meta.url));
const GET_ACTION_RESULT = "/build.bazel.remote.execution.v2.ActionCache/GetActionResult";

t.test("a StatusError keeps its code and message on both paths; other errors map as before", async (t) => {
  const miss = new StatusError(Code.NotFound, "no action result for x/1");
  t.equal(toCallStatus(miss), miss, "the lean path sends it as it is");
  const connect = toConnectError(miss);
  t.ok(connect instanceof ConnectError, "Connect's path gets a ConnectError");
  t.equal(connect.code, Code.NotFound);
  t.equal(connect.rawMessage, "no action result for x/1");
  t.strictSame(statusOf(miss), { code: Code.NotFound, message: "no action result for x/1" });
  const already = new ConnectError("bad digest", Code.InvalidArgument);
  t.equal(toCallStatus(already), already, "a ConnectError is its own status");
  t.equal(statusOf(Object.assign(new Error("ENOSPC: full"), { code: "ENOSPC" })).code, Code.ResourceExhausted, "errno codes still map");
  t.equal(statusOf(new Error("boom")).code, Code.Internal, "anything else is INTERNAL");
});

t.test("a fresh serve answers a cache miss without loading Node's fetch implementation", async (t) => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== "NODE_OPTIONS" && !name.startsWith("_TAPJS")));
  /** Runs a fresh `serve`, makes `calls` on it, stops it; resolves with the codes and whether it loaded undici. */
  const serveAndCall = async (name: string, payloads: readonly Buffer[]) => {
    const dir = privateTestDir(t);
    const socket = join(dir, `${name}.sock`);
    const server = execa(process.execPath, ["--require", REPORT_FETCH, BIN, "serve", "--socket", socket, "--cache-dir", join(dir, "store")], {
      env,
      extendEnv: false,
      reject: false,
      timeout: 60_000,
    });
    await untilServing(server);
    const session = rawSession(socket);
    const codes: number[] = [];
    for (const payload of payloads) codes.push((await rawGrpcCall(session, GET_ACTION_RESULT, payload)).code);
    session.close();
    server.kill("SIGTERM");
    const { stderr } = await server;
    return { codes, loaded: /fetch implementation loaded: (true|false)/.exec(String(stderr))?.[1] };
  };
  const missing = frame(toBinary(GetActionResultRequestSchema, create(GetActionResultRequestSchema, { actionDigest: { hash: "0".repeat(64), sizeBytes: 1n } })));
  const misses = await serveAndCall("misses", [missing, missing]);
  t.strictSame(misses.codes, [Code.NotFound, Code.NotFound], "NOT_FOUND, twice");
  t.equal(misses.loaded, "false", "and Node's fetch implementation never loaded");

  // The check itself: a malformed digest is refused with a ConnectError, which does load it.
  const malformed = frame(toBinary(GetActionResultRequestSchema, create(GetActionResultRequestSchema, { actionDigest: { hash: "xyz", sizeBytes: 1n } })));
  const refused = await serveAndCall("refused", [malformed]);
  t.strictSame(refused.codes, [Code.InvalidArgument], "a malformed digest: INVALID_ARGUMENT");
  t.equal(refused.loaded, "true", "after a ConnectError it is loaded: the check sees a load");
});
