// Tests for src/server/action-cache-service.ts: store failures reach the client as the gRPC status they mean.
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import t from "tap";
import { create } from "@bufbuild/protobuf";
import grpc from "@grpc/grpc-js";
import { openLocalStore } from "../../src/backend/local/local-store.js";
import { ActionCache, ActionResultSchema } from "../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { startReapiServer } from "../../src/server/reapi-server.js";
import { DEFAULT_LIMITS } from "../../src/server/server-context.js";
import { call, codeName, digestOf } from "../helpers/grpc-call.js";

t.test("a full disk under UpdateActionResult is RESOURCE_EXHAUSTED, an I/O error INTERNAL", async (t) => {
  const dir = await mkdtemp("/tmp/bcr-ac-");
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const store = await openLocalStore(join(dir, "store"));
  // A disk cannot be filled here without mounting a small filesystem: the store is made to fail
  // the way fs calls do, with an errno error.
  let errno = "ENOSPC";
  const failing = Object.assign(Object.create(store) as typeof store, {
    updateActionResult: async () => {
      throw Object.assign(new Error(`${errno}: simulated`), { code: errno });
    },
  });
  const server = await startReapiServer({
    listen: { kind: "unix", path: join(dir, "s.sock") },
    backend: failing,
    flags: { actionCacheUpdate: true },
    instanceName: "",
    limits: DEFAULT_LIMITS,
  });
  const client = new grpc.Client(`unix:${join(dir, "s.sock")}`, grpc.credentials.createInsecure());
  t.teardown(async () => {
    client.close();
    await server.close();
    await store.close();
  });
  const request = { actionDigest: digestOf(Buffer.from("action")), actionResult: create(ActionResultSchema, { exitCode: 0 }) };
  const full = await call(client, ActionCache.method.updateActionResult, request);
  t.equal(codeName(full.code), codeName(grpc.status.RESOURCE_EXHAUSTED), `ENOSPC (${full.details})`);
  errno = "EIO";
  const broken = await call(client, ActionCache.method.updateActionResult, request);
  t.equal(codeName(broken.code), codeName(grpc.status.INTERNAL), `EIO (${broken.details})`);
});
