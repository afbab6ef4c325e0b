// The policy table through a real socket: every METHOD_TABLE row, flags off and on, in its own call shape.
import t from "tap";
import { create, toBinary, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import grpc from "@grpc/grpc-js";
import {
  ActionCache,
  Capabilities,
  ContentAddressableStorage,
  Execution,
  GetActionResultRequestSchema,
  GetTreeRequestSchema,
  UpdateActionResultRequestSchema,
} from "../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { ByteStream, QueryWriteStatusRequestSchema, ReadRequestSchema, WriteRequestSchema } from "../../src/gen/google/bytestream/bytestream_pb.js";
import { Operations } from "../../src/gen/google/longrunning/operations_pb.js";
import { EMPTY_BLOB_DIGEST } from "../../src/policy/digest.js";
import { METHOD_TABLE, POLICY_FLAG_NAMES, type MethodRule, type PolicyFlags } from "../../src/policy/method-table.js";
import { callRaw, codeName, pathOf, type Shape } from "../helpers/grpc-call.js";
import { SHAPES } from "../helpers/method-shapes.js";
import { startInProcessServer } from "../helpers/in-process-server.js";

const REAPI = "build.bazel.remote.execution.v2";
const LOCAL_CAS = "build.buildgrid.LocalContentAddressableStorage";
const { OK, INVALID_ARGUMENT, NOT_FOUND, PERMISSION_DENIED, UNIMPLEMENTED } = grpc.status;

const bytes = <S extends DescMessage>(schema: S, init: MessageInitShape<S>): Uint8Array => toBinary(schema, create(schema, init));
const EMPTY_BLOB = { hash: EMPTY_BLOB_DIGEST.hash, sizeBytes: 0n };
const SOME_ACTION = { hash: "ab".repeat(32), sizeBytes: 140n };

/**
 * For every allowed row: the code an empty request gets (the spec's INVALID_ARGUMENT where a
 * required field is missing), and a minimal valid request with the code it gets.
 */
const ALLOWED: Readonly<Record<string, { empty: number; minimal: Uint8Array[]; minimalCode: number }>> = {
  [`${REAPI}.Capabilities/GetCapabilities`]: { empty: OK, minimal: [new Uint8Array()], minimalCode: OK },
  [`${REAPI}.ContentAddressableStorage/FindMissingBlobs`]: { empty: OK, minimal: [new Uint8Array()], minimalCode: OK },
  [`${REAPI}.ContentAddressableStorage/BatchUpdateBlobs`]: { empty: OK, minimal: [new Uint8Array()], minimalCode: OK },
  [`${REAPI}.ContentAddressableStorage/BatchReadBlobs`]: { empty: OK, minimal: [new Uint8Array()], minimalCode: OK },
  [`${REAPI}.ContentAddressableStorage/GetTree`]: {
    empty: INVALID_ARGUMENT,
    minimal: [bytes(GetTreeRequestSchema, { rootDigest: EMPTY_BLOB })],
    minimalCode: OK,
  },
  "google.bytestream.ByteStream/Read": {
    empty: INVALID_ARGUMENT,
    minimal: [bytes(ReadRequestSchema, { resourceName: `blobs/${EMPTY_BLOB.hash}/0` })],
    minimalCode: OK,
  },
  "google.bytestream.ByteStream/Write": {
    empty: INVALID_ARGUMENT,
    minimal: [bytes(WriteRequestSchema, { resourceName: `uploads/u1/blobs/${EMPTY_BLOB.hash}/0`, finishWrite: true })],
    minimalCode: OK,
  },
  "google.bytestream.ByteStream/QueryWriteStatus": {
    empty: INVALID_ARGUMENT,
    minimal: [bytes(QueryWriteStatusRequestSchema, { resourceName: `uploads/u1/blobs/${EMPTY_BLOB.hash}/0` })],
    minimalCode: OK,
  },
  [`${REAPI}.ActionCache/GetActionResult`]: {
    empty: INVALID_ARGUMENT,
    minimal: [bytes(GetActionResultRequestSchema, { actionDigest: SOME_ACTION })],
    minimalCode: NOT_FOUND,
  },
  [`${REAPI}.ActionCache/UpdateActionResult`]: {
    empty: INVALID_ARGUMENT,
    minimal: [bytes(UpdateActionResultRequestSchema, { actionDigest: SOME_ACTION, actionResult: { exitCode: 1 } })],
    minimalCode: OK,
  },
};

const nameOf = (rule: MethodRule): string => `${rule.service}/${rule.method}`;
const allowedUnder = (rule: MethodRule, flags: PolicyFlags): boolean =>
  rule.decision === "allow" || (rule.decision === "flag" && rule.flag !== undefined && flags[rule.flag]);

t.test("the shapes written here agree with the generated descriptors", async (t) => {
  t.strictSame(Object.keys(SHAPES).sort(), METHOD_TABLE.map(nameOf).sort(), "one shape per table row, no more");
  for (const service of [Capabilities, ContentAddressableStorage, ByteStream, ActionCache, Execution, Operations]) {
    for (const method of service.methods) t.equal(SHAPES[pathOf(method).slice(1)], method.methodKind, pathOf(method));
  }
});

for (const flags of [{ actionCacheUpdate: false }, { actionCacheUpdate: true }] satisfies PolicyFlags[]) {
  t.test(`every table row through the socket, actionCacheUpdate ${flags.actionCacheUpdate}`, async (t) => {
    const served = await startInProcessServer(t, { flags });
    const client = served.client();
    for (const rule of METHOD_TABLE) {
      const name = nameOf(rule);
      const shape = SHAPES[name] as Shape;
      const empty = await callRaw(client, `/${name}`, shape, [new Uint8Array()]);
      if (allowedUnder(rule, flags)) {
        const expected = ALLOWED[name];
        if (expected === undefined) {
          t.fail(`${name} is allowed but this test has no expectation for it`);
          continue;
        }
        t.equal(codeName(empty.code), codeName(expected.empty), `${name}: empty request (${empty.details})`);
        const minimal = await callRaw(client, `/${name}`, shape, expected.minimal);
        t.equal(codeName(minimal.code), codeName(expected.minimalCode), `${name}: minimal valid request (${minimal.details})`);
      } else {
        t.equal(codeName(empty.code), codeName(PERMISSION_DENIED), `${name} is refused`);
        t.match(empty.details, name, `${name}: the refusal names the method`);
        if (rule.decision === "flag" && rule.flag !== undefined) {
          t.match(empty.details, POLICY_FLAG_NAMES[rule.flag], `${name}: the refusal names the flag that opens it`);
        }
      }
    }
  });
}

t.test("methods the table does not list", async (t) => {
  const served = await startInProcessServer(t, { flags: { actionCacheUpdate: true } });
  const client = served.client();
  const cases: Array<{ path: string; shape: Shape; code: number }> = [
    { path: `/${REAPI}.ContentAddressableStorage/Bogus`, shape: "unary", code: UNIMPLEMENTED },
    { path: `/${REAPI}.Capabilities/GetCapabilitiez`, shape: "unary", code: UNIMPLEMENTED },
    { path: `/${REAPI}.ActionCache/DeleteActionResult`, shape: "unary", code: UNIMPLEMENTED },
    { path: "/google.bytestream.ByteStream/Delete", shape: "client_streaming", code: UNIMPLEMENTED },
    { path: `/${REAPI}.capabilities/GetCapabilities`, shape: "unary", code: UNIMPLEMENTED },
    { path: `/${REAPI}.Capabilities/getCapabilities`, shape: "unary", code: UNIMPLEMENTED },
    { path: "/some.other.Service/Method", shape: "unary", code: UNIMPLEMENTED },
    { path: "/grpc.health.v1.Health/Check", shape: "unary", code: UNIMPLEMENTED },
    { path: "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", shape: "bidi_streaming", code: UNIMPLEMENTED },
    { path: `//${REAPI}.Execution/Execute`, shape: "server_streaming", code: UNIMPLEMENTED },
    { path: `/${REAPI}.Execution/Execute/`, shape: "server_streaming", code: UNIMPLEMENTED },
    { path: `/${REAPI}.Capabilities/GetCapabilities/../../${REAPI}.Execution/Execute`, shape: "unary", code: UNIMPLEMENTED },
    // Services the policy shuts entirely: new methods are shut too.
    { path: "/google.longrunning.Operations/Frobnicate", shape: "unary", code: PERMISSION_DENIED },
    { path: `/${REAPI}.Execution/ExecuteFaster`, shape: "server_streaming", code: PERMISSION_DENIED },
    { path: `/${LOCAL_CAS}/StageTreeV2`, shape: "bidi_streaming", code: PERMISSION_DENIED },
    { path: "/build.bazel.remote.asset.v1.Fetch/FetchEverything", shape: "unary", code: PERMISSION_DENIED },
  ];
  for (const { path, shape, code } of cases) {
    const answer = await callRaw(client, path, shape, [new Uint8Array([8, 1])]);
    t.equal(codeName(answer.code), codeName(code), `${path} (${answer.details})`);
  }
});
