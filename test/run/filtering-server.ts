// Tests for src/run/filtering-server.ts: the settings reach the embedded store (the quota's protection window).
import { join } from "node:path";
import t from "tap";
import grpc from "@grpc/grpc-js";
import { ContentAddressableStorage } from "../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { startFilteringServer } from "../../src/run/filtering-server.js";
import type { ServerSettings } from "../../src/run/run-options.js";
import { blobOf, call, codeName, digestOf } from "../helpers/grpc-call.js";
import { privateTestDir } from "../helpers/store-server.js";

t.test("protectUsedBlobsForMs: a full store under --cache-quota takes new blobs once the window after their use has passed", async (t) => {
  const dir = privateTestDir(t);
  const settings: ServerSettings = {
    cacheDir: join(dir, "cache"),
    instanceName: "",
    policy: { actionCacheUpdate: false },
    maxBlobSizeBytes: 1024 * 1024,
    cacheQuotaBytes: 10 * 1024,
    protectUsedBlobsForMs: 300,
    observability: { verbose: false, stats: false },
  };
  const running = await startFilteringServer(settings, { kind: "unix", path: join(dir, "s.sock") });
  t.teardown(() => running.close());
  const client = new grpc.Client(`unix:${join(dir, "s.sock")}`, grpc.credentials.createInsecure());
  t.teardown(() => client.close());
  const upload = (label: string) => {
    const data = blobOf(1024, label);
    return call(client, ContentAddressableStorage.method.batchUpdateBlobs, { requests: [{ digest: digestOf(data), data }] });
  };
  const statusOf = async (label: string) => {
    const answer = await upload(label);
    return codeName(answer.code === grpc.status.OK ? (answer.responses[0]?.responses[0]?.status?.code ?? grpc.status.OK) : answer.code);
  };
  for (let i = 0; i < 10; i++) t.equal(await statusOf(`first ${i}`), "OK (0)", `blob ${i} fits`);
  t.equal(await statusOf("one more"), "RESOURCE_EXHAUSTED (8)", "every blob used within the window");
  await new Promise((resolve) => setTimeout(resolve, 600));
  t.equal(await statusOf("one more"), "OK (0)", "the window has passed: the oldest make room");
});
