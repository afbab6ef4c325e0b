// Tests for src/server/lean-call.ts: how the status is sent (the rest is exercised through test/server/lean-grpc.ts).
import t from "tap";
import { create, toBinary } from "@bufbuild/protobuf";
import grpc from "@grpc/grpc-js";
import { GetActionResultRequestSchema } from "../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { startInProcessServer } from "../helpers/in-process-server.js";
import { frame, rawSession, recordReceived, type Received } from "../helpers/raw-grpc.js";

t.test("the status: in trailers after an answer, alone in the headers (trailers-only) for a failure before one", async (t) => {
  const served = await startInProcessServer(t);
  const session = rawSession(served.socketPath);
  t.teardown(() => void session.close());
  /** One call's headers and trailers as they arrived. */
  const exchange = (path: string, message: Uint8Array) =>
    new Promise<Received>((resolve, reject) => {
      const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers" });
      const received = recordReceived(stream);
      stream.on("error", reject);
      stream.on("close", () => resolve(received()));
      stream.end(frame(message));
    });
  const missing = { hash: "0".repeat(64), sizeBytes: 1n };

  const miss = await exchange("/build.bazel.remote.execution.v2.ActionCache/GetActionResult", toBinary(GetActionResultRequestSchema, create(GetActionResultRequestSchema, { actionDigest: missing })));
  t.equal(miss.headers["grpc-status"], String(grpc.status.NOT_FOUND), "a miss: NOT_FOUND in the headers");
  t.match(miss.headers["grpc-message"], /no action result/, "with its message");
  t.equal(miss.trailers, undefined, "and no trailers");
  t.equal(miss.body.byteLength, 0, "and no message");

  const answered = await exchange("/build.bazel.remote.execution.v2.Capabilities/GetCapabilities", new Uint8Array(0));
  t.equal(answered.headers["grpc-status"], undefined, "an answer: no status in the headers");
  t.equal(answered.trailers?.["grpc-status"], "0", "OK in the trailers");
  t.ok(answered.body.byteLength > 5, "after the answer's message");
});
