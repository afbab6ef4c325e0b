// Tests for src/server/action-cache-service.ts: store failures reach the client as the gRPC status they mean; an upstream gets the client's inline requests and results cache priority.
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import t, { type Test } from "tap";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import grpc from "@grpc/grpc-js";
import type { Backend } from "../../src/backend/backend.js";
import { openLocalStore } from "../../src/backend/local/local-store.js";
import { RemoteBackend } from "../../src/backend/remote/remote-backend.js";
import { ActionCache, ActionResultSchema, GetActionResultRequestSchema, UpdateActionResultRequestSchema } from "../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { grpcMessages } from "../../src/server/grpc-frames.js";
import { startReapiServer } from "../../src/server/reapi-server.js";
import { DEFAULT_LIMITS } from "../../src/server/server-context.js";
import type { CallObserver, CallRecord } from "../../src/server/observe/call-record.js";
import { call, codeName, digestOf } from "../helpers/grpc-call.js";
import { answer, standIn } from "../helpers/stand-in-upstream.js";

/** The server over `backend` on a socket in a fresh directory, and a client for it; both closed, and the directory removed, on teardown. */
async function serving(t: Test, backend: Backend, options: { readonly actionCacheUpdate: boolean; readonly observe?: CallObserver }): Promise<grpc.Client> {
  const dir = await mkdtemp("/tmp/bcr-ac-");
  const server = await startReapiServer({
    listen: { kind: "unix", path: join(dir, "s.sock") },
    backend,
    flags: { actionCacheUpdate: options.actionCacheUpdate },
    instanceName: "",
    limits: DEFAULT_LIMITS,
    ...(options.observe !== undefined ? { observe: options.observe } : {}),
  });
  const client = new grpc.Client(`unix:${join(dir, "s.sock")}`, grpc.credentials.createInsecure());
  t.teardown(async () => {
    client.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  return client;
}

t.test("a full disk under UpdateActionResult is RESOURCE_EXHAUSTED, an I/O error INTERNAL", async (t) => {
  const store = await openLocalStore(join(t.testdir(), "store"));
  t.teardown(() => store.close());
  // A disk cannot be filled here without mounting a small filesystem: the store is made to fail
  // the way fs calls do, with an errno error.
  let errno = "ENOSPC";
  const failing = Object.assign(Object.create(store) as typeof store, {
    updateActionResult: async () => {
      throw Object.assign(new Error(`${errno}: simulated`), { code: errno });
    },
  });
  const client = await serving(t, failing, { actionCacheUpdate: true });
  const request = { actionDigest: digestOf(Buffer.from("action")), actionResult: create(ActionResultSchema, { exitCode: 0 }) };
  const full = await call(client, ActionCache.method.updateActionResult, request);
  t.equal(codeName(full.code), codeName(grpc.status.RESOURCE_EXHAUSTED), `ENOSPC (${full.details})`);
  errno = "EIO";
  const broken = await call(client, ActionCache.method.updateActionResult, request);
  t.equal(codeName(broken.code), codeName(grpc.status.INTERNAL), `EIO (${broken.details})`);
});

t.test("GetActionResult proxied: what the client asks to have inline goes to the upstream, and what it inlines is counted out", async (t) => {
  const object = Buffer.from("object code");
  const asked: string[][] = [];
  const open = await standIn(t, async (request, response) => {
    for await (const bytes of grpcMessages(request as AsyncIterable<Buffer>, 1 << 20)) asked.push(fromBinary(GetActionResultRequestSchema, bytes).inlineOutputFiles);
    // An upstream that inlines what it is asked for, as REAPI lets it.
    const contents = asked.at(-1)?.includes("hello.o") === true ? object : Buffer.alloc(0);
    answer(response, 0, [toBinary(ActionResultSchema, create(ActionResultSchema, { outputFiles: [{ path: "hello.o", digest: digestOf(object), contents }] }))]);
  });
  const records: CallRecord[] = [];
  const client = await serving(t, new RemoteBackend(open, ""), { actionCacheUpdate: false, observe: (record) => records.push(record) });
  const actionDigest = digestOf(Buffer.from("action"));
  const plain = await call(client, ActionCache.method.getActionResult, { actionDigest });
  const inline = await call(client, ActionCache.method.getActionResult, { actionDigest, inlineOutputFiles: ["hello.o"] });
  t.strictSame(asked, [[], ["hello.o"]], "the upstream was asked what the client asked");
  t.equal(plain.responses[0]?.outputFiles[0]?.contents.byteLength, 0);
  t.equal(Buffer.from(inline.responses[0]?.outputFiles[0]?.contents ?? []).toString(), "object code", "the upstream's answer passed on");
  const gets = records.filter((record) => record.method.endsWith("/GetActionResult"));
  t.strictSame(gets.map((record) => record.bytesOut), [0, object.byteLength], "the inlined bytes counted out");
});

t.test("UpdateActionResult proxied: the client's results cache priority goes to the upstream with the result", async (t) => {
  const seen: Array<[number | undefined, number]> = [];
  const open = await standIn(t, async (request, response) => {
    for await (const bytes of grpcMessages(request as AsyncIterable<Buffer>, 1 << 20)) {
      const message = fromBinary(UpdateActionResultRequestSchema, bytes);
      seen.push([message.resultsCachePolicy?.priority, message.actionResult?.exitCode ?? -1]);
    }
    answer(response, 0, [toBinary(ActionResultSchema, create(ActionResultSchema, { exitCode: 5 }))]);
  });
  const client = await serving(t, new RemoteBackend(open, ""), { actionCacheUpdate: true });
  const actionDigest = digestOf(Buffer.from("action"));
  const actionResult = create(ActionResultSchema, { exitCode: 5 });
  t.equal((await call(client, ActionCache.method.updateActionResult, { actionDigest, actionResult, resultsCachePolicy: { priority: -3 } })).code, grpc.status.OK);
  t.equal((await call(client, ActionCache.method.updateActionResult, { actionDigest, actionResult })).code, grpc.status.OK);
  t.strictSame(seen, [[-3, 5], [undefined, 5]], "the priority given, and none when none was");
});
