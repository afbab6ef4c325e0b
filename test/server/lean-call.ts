// Tests for src/server/lean-call.ts: the grpc-timeout header (the rest is exercised through test/server/lean-bytestream.ts).
import t from "tap";
import { grpcTimeoutMs } from "../../src/server/lean-call.js";

t.test("grpc-timeout in every unit, and nothing for a malformed one", async (t) => {
  t.equal(grpcTimeoutMs("2H"), 7_200_000);
  t.equal(grpcTimeoutMs("3M"), 180_000);
  t.equal(grpcTimeoutMs("10S"), 10_000);
  t.equal(grpcTimeoutMs("250m"), 250);
  t.equal(grpcTimeoutMs("5000u"), 5);
  t.equal(grpcTimeoutMs("1000000n"), 1);
  for (const bad of [undefined, "", "10", "S", "123456789S", "1.5S", "-1S", ["1S"]]) t.equal(grpcTimeoutMs(bad), undefined, JSON.stringify(bad));
});
