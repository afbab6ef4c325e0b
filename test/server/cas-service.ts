// Tests for src/server/cas-service.ts: batches of one blob and of many, through the socket on the embedded store.
import t from "tap";
import grpc from "@grpc/grpc-js";
import { ContentAddressableStorage } from "../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { blobOf, call, codeName, digestOf } from "../helpers/grpc-call.js";
import { startInProcessServer } from "../helpers/in-process-server.js";

const CAS = ContentAddressableStorage.method;
const { OK } = grpc.status;

t.test("batches of many blobs read from files at once raise no listener warning; one blob reads alike", async (t) => {
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
  process.on("warning", onWarning);
  t.teardown(() => void process.off("warning", onWarning));
  const served = await startInProcessServer(t);
  const client = served.client();
  // Over the store's small-blob size (64 KiB), so each is a streamed file operation on the call's signal.
  const blobs = Array.from({ length: 40 }, (_, index) => blobOf(80 * 1024, `many ${index}`));

  const update = await call(client, CAS.batchUpdateBlobs, { requests: blobs.map((data) => ({ digest: digestOf(data), data })) });
  t.equal(codeName(update.code), codeName(OK), "the update is served");
  t.strictSame(update.responses[0]?.responses.map((item) => item.status?.code), blobs.map(() => OK), "every blob stored");

  const read = await call(client, CAS.batchReadBlobs, { digests: blobs.map(digestOf) });
  t.equal(codeName(read.code), codeName(OK), "the read is served");
  const answers = read.responses[0]?.responses ?? [];
  t.equal(answers.length, blobs.length);
  t.ok(answers.every((item, index) => Buffer.from(item.data).equals(blobs[index] as Buffer)), "every blob read back whole");

  for (const data of [blobs[0] as Buffer, blobOf(100, "small")]) {
    const one = await call(client, CAS.batchUpdateBlobs, { requests: [{ digest: digestOf(data), data }] });
    t.equal(one.responses[0]?.responses[0]?.status?.code, OK, `one blob of ${data.byteLength} bytes stored`);
    const back = await call(client, CAS.batchReadBlobs, { digests: [digestOf(data)] });
    t.ok(Buffer.from(back.responses[0]?.responses[0]?.data ?? []).equals(data), `one blob of ${data.byteLength} bytes read back`);
  }
  await new Promise((resolve) => setImmediate(resolve));
  t.strictSame(warnings.filter((warning) => warning.includes("MaxListeners")), [], "no MaxListenersExceededWarning");
});
