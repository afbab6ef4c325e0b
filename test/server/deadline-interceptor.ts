// Tests for src/server/deadline-interceptor.ts: streaming calls Connect serves are answered DEADLINE_EXCEEDED when their request does not come in time.
import t from "tap";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import grpc from "@grpc/grpc-js";
import { GetTreeRequestSchema, GetTreeResponseSchema } from "../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import type { CallRecord } from "../../src/server/observe/call-record.js";
import { codeName, digestOf } from "../helpers/grpc-call.js";
import { startInProcessServer } from "../helpers/in-process-server.js";
import { frame, rawGrpcCall, rawSession } from "../helpers/raw-grpc.js";
import { eventually } from "../helpers/store-audit.js";

const { OK, DEADLINE_EXCEEDED } = grpc.status;
const GET_TREE = "/build.bazel.remote.execution.v2.ContentAddressableStorage/GetTree";

t.test("a GetTree whose request never comes, or never ends, is answered DEADLINE_EXCEEDED at its deadline", async (t) => {
  const records: CallRecord[] = [];
  const served = await startInProcessServer(t, { observe: (record) => records.push(record) });
  const session = rawSession(served.socketPath);
  t.teardown(() => session.destroy());
  const request = frame(toBinary(GetTreeRequestSchema, create(GetTreeRequestSchema, { rootDigest: digestOf(Buffer.alloc(0)) })));
  for (const [name, payload] of [["nothing sent", Buffer.alloc(0)], ["the request sent, the stream never ended", request]] as const) {
    const started = performance.now();
    const answer = await rawGrpcCall(session, GET_TREE, payload, { headers: { "grpc-timeout": "200m" }, halfClose: false, deadlineMs: 5000 });
    const elapsed = performance.now() - started;
    t.equal(codeName(answer.code), codeName(DEADLINE_EXCEEDED), `${name}: DEADLINE_EXCEEDED (${answer.malformed ?? answer.details})`);
    t.ok(elapsed >= 190 && elapsed < 3000, `${name}: once the deadline has passed (${Math.round(elapsed)} ms)`);
  }
  t.ok(await eventually(async () => records.length === 2, 2000), "both calls ended on the server");
  t.strictSame(records.map((record) => codeName(record.code)), [codeName(DEADLINE_EXCEEDED), codeName(DEADLINE_EXCEEDED)], "recorded as DEADLINE_EXCEEDED");

  const whole = await rawGrpcCall(session, GET_TREE, request, { headers: { "grpc-timeout": "10S" } });
  t.equal(codeName(whole.code), codeName(OK), `a request that comes is served as before (${whole.details})`);
  t.equal(fromBinary(GetTreeResponseSchema, whole.messages[0] ?? new Uint8Array()).directories.length, 1, "with its answer");
});
