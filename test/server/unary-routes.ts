// Tests for src/server/unary-routes.ts: unary methods are kept by path and see the same call through Connect; every method reaches Connect's router.
import t from "tap";
import { createClient, createConnectRouter, createRouterTransport } from "@connectrpc/connect";
import { ByteStream } from "../../src/gen/google/bytestream/bytestream_pb.js";
import { REQUEST_METADATA_HEADER } from "../../src/server/request-metadata.js";
import { createReapiRouter, type UnaryCall, type UnaryRoute } from "../../src/server/unary-routes.js";

t.test("unary methods are kept by gRPC path; streaming ones only registered", async (t) => {
  const router = createConnectRouter();
  const routes = new Map<string, UnaryRoute>();
  const reapi = createReapiRouter(router, routes);
  reapi.unary(ByteStream.method.queryWriteStatus, async () => ({ committedSize: 7n, complete: true }));
  reapi.rpc(ByteStream.method.read, async function* () {});
  t.strictSame([...routes.keys()], ["/google.bytestream.ByteStream/QueryWriteStatus"]);
  t.equal(routes.get("/google.bytestream.ByteStream/QueryWriteStatus")?.method, ByteStream.method.queryWriteStatus);
  t.equal(router.handlers.length, 2, "both methods reach Connect's router");
});

t.test("through Connect, an implementation sees the call's signal and request metadata", async (t) => {
  const calls: UnaryCall[] = [];
  const transport = createRouterTransport((router) => {
    createReapiRouter(router, new Map()).unary(ByteStream.method.queryWriteStatus, async (request, call) => {
      calls.push(call);
      return { committedSize: BigInt(request.resourceName.length), complete: false };
    });
  });
  const client = createClient(ByteStream, transport);
  const answer = await client.queryWriteStatus({ resourceName: "abc" }, { headers: { [REQUEST_METADATA_HEADER]: "AQID" } });
  t.equal(answer.committedSize, 3n);
  await client.queryWriteStatus({ resourceName: "" });
  t.equal(calls[0]?.requestMetadata, "AQID");
  t.equal(calls[1]?.requestMetadata, undefined, "none when the client sent none");
  t.type(calls[0]?.signal, AbortSignal);
});
