// Instance names through the socket: only the served instance works, in every method that names one.
import t from "tap";
import { create, toBinary } from "@bufbuild/protobuf";
import grpc from "@grpc/grpc-js";
import {
  ActionCache,
  Capabilities,
  ContentAddressableStorage,
  DirectorySchema,
} from "../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { ByteStream } from "../../src/gen/google/bytestream/bytestream_pb.js";
import { call, codeName, digestOf, type Answer } from "../helpers/grpc-call.js";
import { startInProcessServer } from "../helpers/in-process-server.js";

const { OK, INVALID_ARGUMENT, PERMISSION_DENIED, NOT_FOUND } = grpc.status;
const CAS = ContentAddressableStorage.method;
const BS = ByteStream.method;
const AC = ActionCache.method;

const STORED = Buffer.from("stored under main\n");
const DIRECTORY = Buffer.from(toBinary(DirectorySchema, create(DirectorySchema, { files: [{ name: "f", digest: digestOf(STORED) }] })));
const ACTION = digestOf(Buffer.from("an action"));
/** Bytes uploaded under each instance name tried, so that a wrong upload shows in the store. */
const fresh = (instance: string, method: string) => Buffer.from(`uploaded by ${method} as ${JSON.stringify(instance)}\n`);
const prefix = (instance: string) => (instance === "" ? "" : `${instance}/`);

/** One call per allowed method that names an instance, with the instance given. */
const METHODS: ReadonlyArray<{ name: string; run(client: grpc.Client, instance: string): Promise<Answer<unknown>> }> = [
  { name: "GetCapabilities", run: (c, instanceName) => call(c, Capabilities.method.getCapabilities, { instanceName }) },
  { name: "FindMissingBlobs", run: (c, instanceName) => call(c, CAS.findMissingBlobs, { instanceName, blobDigests: [digestOf(STORED)] }) },
  {
    name: "BatchUpdateBlobs",
    run: (c, instanceName) => {
      const data = fresh(instanceName, "BatchUpdateBlobs");
      return call(c, CAS.batchUpdateBlobs, { instanceName, requests: [{ digest: digestOf(data), data }] });
    },
  },
  { name: "BatchReadBlobs", run: (c, instanceName) => call(c, CAS.batchReadBlobs, { instanceName, digests: [digestOf(STORED)] }) },
  { name: "GetTree", run: (c, instanceName) => call(c, CAS.getTree, { instanceName, rootDigest: digestOf(DIRECTORY) }) },
  { name: "GetActionResult", run: (c, instanceName) => call(c, AC.getActionResult, { instanceName, actionDigest: ACTION }) },
  {
    name: "UpdateActionResult",
    run: (c, instanceName) =>
      call(c, AC.updateActionResult, { instanceName, actionDigest: digestOf(fresh(instanceName, "action")), actionResult: { exitCode: 2 } }),
  },
  {
    name: "ByteStream Read",
    run: (c, instance) => {
      const { hash, sizeBytes } = digestOf(STORED);
      return call(c, BS.read, { resourceName: `${prefix(instance)}blobs/${hash}/${sizeBytes}` });
    },
  },
  {
    name: "ByteStream Write",
    run: (c, instance) => {
      const data = fresh(instance, "Write");
      const { hash, sizeBytes } = digestOf(data);
      return call(c, BS.write, { resourceName: `${prefix(instance)}uploads/u1/blobs/${hash}/${sizeBytes}`, data, finishWrite: true });
    },
  },
  {
    name: "ByteStream QueryWriteStatus",
    run: (c, instance) => {
      const { hash, sizeBytes } = digestOf(STORED);
      return call(c, BS.queryWriteStatus, { resourceName: `${prefix(instance)}uploads/u1/blobs/${hash}/${sizeBytes}` });
    },
  },
];

/** Instance names that are not the served one, with the codes each may get. */
const WRONG: ReadonlyArray<{ instance: string; codes: readonly number[] }> = [
  { instance: "", codes: [PERMISSION_DENIED] },
  { instance: "other", codes: [PERMISSION_DENIED] },
  { instance: "main/sub", codes: [PERMISSION_DENIED] },
  { instance: "sub/main", codes: [PERMISSION_DENIED] },
  { instance: "MAIN", codes: [PERMISSION_DENIED] },
  { instance: "mainx", codes: [PERMISSION_DENIED] },
  { instance: "mai", codes: [PERMISSION_DENIED] },
  // Spellings a path normalizer would turn into "main": never the same instance. ByteStream names
  // with empty or dot segments are malformed, which is INVALID_ARGUMENT.
  ...["main/", "/main", "./main", "main/.", "main/../main", "main ", " main", "main\u0000", "main\n", "mаin" /* Cyrillic а */].map(
    (instance) => ({ instance, codes: [PERMISSION_DENIED, INVALID_ARGUMENT] }),
  ),
];

t.test('with instance "main", every method refuses every other instance name', async (t) => {
  const served = await startInProcessServer(t, { instanceName: "main", flags: { actionCacheUpdate: true } });
  const client = served.client();
  const seeded = await call(client, CAS.batchUpdateBlobs, {
    instanceName: "main",
    requests: [STORED, DIRECTORY].map((data) => ({ digest: digestOf(data), data })),
  });
  t.strictSame(seeded.responses[0]?.responses.map((item) => item.status?.code), [OK, OK], "blobs stored under main");
  const seededAction = await call(client, AC.updateActionResult, { instanceName: "main", actionDigest: ACTION, actionResult: { exitCode: 1 } });
  t.equal(codeName(seededAction.code), codeName(OK), "action result stored under main");

  for (const method of METHODS) {
    const right = await method.run(client, "main");
    t.equal(codeName(right.code), codeName(OK), `${method.name} naming "main" works (${right.details})`);
    for (const { instance, codes } of WRONG) {
      const wrong = await method.run(client, instance);
      t.ok(codes.includes(wrong.code), `${method.name} naming ${JSON.stringify(instance)}: ${codeName(wrong.code)} ${wrong.details}`);
    }
  }

  // Nothing the refused calls sent reached the store.
  const uploads = WRONG.flatMap(({ instance }) => ["BatchUpdateBlobs", "Write"].map((m) => digestOf(fresh(instance, m))));
  const missing = await call(client, CAS.findMissingBlobs, { instanceName: "main", blobDigests: uploads });
  t.equal(missing.responses[0]?.missingBlobDigests.length, uploads.length, "no blob sent under another instance was stored");
  for (const { instance } of WRONG) {
    const action = await call(client, AC.getActionResult, { instanceName: "main", actionDigest: digestOf(fresh(instance, "action")) });
    t.equal(codeName(action.code), codeName(NOT_FOUND), `no action result sent as ${JSON.stringify(instance)} was stored`);
  }
});

t.test("a nested instance name is matched whole", async (t) => {
  const served = await startInProcessServer(t, { instanceName: "a/b" });
  const client = served.client();
  const { hash, sizeBytes } = digestOf(Buffer.alloc(0));
  const cases: Array<[string, number]> = [
    ["a/b/blobs", OK],
    ["a/blobs", PERMISSION_DENIED],
    ["b/blobs", PERMISSION_DENIED],
    ["a/b/c/blobs", PERMISSION_DENIED],
    ["blobs", PERMISSION_DENIED],
    ["a/b/blobs/blobs", INVALID_ARGUMENT],
  ];
  for (const [start, code] of cases) {
    const answer = await call(client, BS.read, { resourceName: `${start}/${hash}/${sizeBytes}` });
    t.equal(codeName(answer.code), codeName(code), `${start}/… (${answer.details})`);
  }
});
