// Tests for src/backend/remote/remote-backend.ts: how the upstream's batch answers are read, against a stand-in upstream on node:http2.
import t from "tap";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import {
  BatchUpdateBlobsRequestSchema,
  BatchUpdateBlobsResponseSchema,
  type BatchUpdateBlobsRequest_Request,
} from "../../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { RemoteBackend } from "../../../src/backend/remote/remote-backend.js";
import { grpcMessages } from "../../../src/server/grpc-frames.js";
import { sha256Hex } from "../../helpers/fuzz-inputs.js";
import { answer, standIn } from "../../helpers/stand-in-upstream.js";

const blob = (text: string) => {
  const data = Buffer.from(text);
  return { digest: { hash: sha256Hex(data), sizeBytes: data.byteLength }, data };
};

t.test("BatchUpdateBlobs answers are matched to requests by digest, whatever their order", async (t) => {
  const stored = blob("stored");
  const refused = blob("refused");
  const left = blob("left out");
  // The same hash as `stored` with another size: told apart by its size.
  const resized = { digest: { hash: stored.digest.hash, sizeBytes: 99 }, data: Buffer.from("??") };
  // As NativeLink does, the stand-in answers in another order than the requests' (here, reversed), and leaves one out.
  const open = await standIn(t, async (request, response) => {
    let requests: BatchUpdateBlobsRequest_Request[] = [];
    for await (const bytes of grpcMessages(request as AsyncIterable<Buffer>, 1 << 20)) requests = fromBinary(BatchUpdateBlobsRequestSchema, bytes).requests;
    const responses = requests
      .filter((each) => each.digest?.hash !== left.digest.hash)
      .map((each) => {
        const bad = each.digest?.hash === refused.digest.hash || each.digest?.sizeBytes === 99n;
        return { digest: each.digest, status: bad ? { code: Code.InvalidArgument, message: "digest mismatch" } : {} };
      })
      .reverse();
    answer(response, 0, [toBinary(BatchUpdateBlobsResponseSchema, create(BatchUpdateBlobsResponseSchema, { responses }))]);
  });
  const backend = new RemoteBackend(open, "");
  const statuses = await backend.batchUpdateBlobs([stored, refused, stored, resized, left], AbortSignal.timeout(10_000));
  t.strictSame(
    statuses.map((status) => status.code),
    [0, Code.InvalidArgument, 0, Code.InvalidArgument, Code.Internal],
    "each blob has the status the upstream gave its digest, a duplicate one each",
  );
  t.match(statuses[4]?.message, /left this blob out/, "only the blob the upstream left out is INTERNAL");
});
