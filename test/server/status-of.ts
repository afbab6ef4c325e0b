// Tests for src/server/status-of.ts: statuses from errors, and a cache miss that never builds a ConnectError (whose Headers load Node's fetch implementation).
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import t from "tap";
import { GetActionResultRequestSchema } from "../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { StatusError, statusOf, toCallStatus, toConnectError } from "../../src/server/status-of.js";
import { callReportingServe } from "../helpers/module-report.js";
import { frame } from "../helpers/raw-grpc.js";
import { privateTestDir } from "../helpers/store-server.js";

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
  /** A fresh `serve` on its own store, called with `payloads`. */
  const serveAndCall = (name: string, payloads: readonly Buffer[]) => {
    const dir = privateTestDir(t);
    return callReportingServe(join(dir, `${name}.sock`), ["--cache-dir", join(dir, "store")], payloads.map((payload) => [GET_ACTION_RESULT, payload] as const));
  };
  const missing = frame(toBinary(GetActionResultRequestSchema, create(GetActionResultRequestSchema, { actionDigest: { hash: "0".repeat(64), sizeBytes: 1n } })));
  const misses = await serveAndCall("misses", [missing, missing]);
  t.strictSame(misses.codes, [Code.NotFound, Code.NotFound], "NOT_FOUND, twice");
  t.equal(misses.fetchLoaded, false, "and Node's fetch implementation never loaded");

  // The check itself: a malformed digest is refused with a ConnectError, which does load it.
  const malformed = frame(toBinary(GetActionResultRequestSchema, create(GetActionResultRequestSchema, { actionDigest: { hash: "xyz", sizeBytes: 1n } })));
  const refused = await serveAndCall("refused", [malformed]);
  t.strictSame(refused.codes, [Code.InvalidArgument], "a malformed digest: INVALID_ARGUMENT");
  t.equal(refused.fetchLoaded, true, "after a ConnectError it is loaded: the check sees a load");
});
