// Tests for src/server/observe/message-facts.ts: the blob bytes a message carries, counted for logs and statistics.
import { create } from "@bufbuild/protobuf";
import t from "tap";
import {
  ActionResultSchema,
  BatchReadBlobsResponseSchema,
  BatchUpdateBlobsRequestSchema,
  FindMissingBlobsRequestSchema,
  UpdateActionResultRequestSchema,
} from "../../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { WriteRequestSchema } from "../../../src/gen/google/bytestream/bytestream_pb.js";
import { payloadBytes } from "../../../src/server/observe/message-facts.js";

const bytes = (length: number) => new Uint8Array(length);

t.test("blob bytes of every message that carries them, and none of those that do not", async (t) => {
  t.equal(payloadBytes(create(WriteRequestSchema, { data: bytes(7) })), 7, "a ByteStream chunk");
  t.equal(payloadBytes(create(BatchUpdateBlobsRequestSchema, { requests: [{ data: bytes(3) }, { data: bytes(4) }] })), 7, "a batch's items in");
  t.equal(payloadBytes(create(BatchReadBlobsResponseSchema, { responses: [{ data: bytes(5) }, {}] })), 5, "a batch's items out");
  const result = create(ActionResultSchema, {
    stdoutRaw: bytes(2),
    stderrRaw: bytes(3),
    outputFiles: [{ path: "a.o", contents: bytes(10) }, { path: "b.o" }],
  });
  t.equal(payloadBytes(result), 15, "an action result's inlined stdout, stderr and output files");
  t.equal(payloadBytes(create(ActionResultSchema, { outputFiles: [{ path: "a.o" }] })), 0, "an action result with nothing inlined");
  t.equal(payloadBytes(create(UpdateActionResultRequestSchema, { actionResult: result })), 15, "the same inside an UpdateActionResult request");
  t.equal(payloadBytes(create(FindMissingBlobsRequestSchema, { blobDigests: [{ hash: "a", sizeBytes: 1n }] })), 0, "digests are not blob bytes");
});
