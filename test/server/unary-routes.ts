// Tests for src/server/unary-routes.ts: unary methods are kept by path, every method still reaches Connect's router.
import t from "tap";
import { createConnectRouter } from "@connectrpc/connect";
import { ByteStream } from "../../src/gen/google/bytestream/bytestream_pb.js";
import { recordUnaryRoutes, type UnaryRoute } from "../../src/server/unary-routes.js";

t.test("unary methods are recorded by gRPC path; streaming ones only registered", async (t) => {
  const router = createConnectRouter();
  const routes = new Map<string, UnaryRoute>();
  const recording = recordUnaryRoutes(router, routes);
  const impl = async () => ({ committedSize: 7n, complete: true });
  recording.rpc(ByteStream.method.queryWriteStatus, impl).rpc(ByteStream.method.read, async function* () {});
  t.strictSame([...routes.keys()], ["/google.bytestream.ByteStream/QueryWriteStatus"]);
  t.equal(routes.get("/google.bytestream.ByteStream/QueryWriteStatus")?.method, ByteStream.method.queryWriteStatus);
  t.equal(router.handlers.length, 2, "both methods reach Connect's router");
});
