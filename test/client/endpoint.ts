// resolveEndpoint: --server wins, else REAPI_SOCKET with RECC_INSTANCE, else a usage error.
import t from "tap";
import { resolveEndpoint } from "../../src/client/endpoint.js";

t.test("the sandbox's socket", async (t) => {
  t.same(resolveEndpoint({}, { REAPI_SOCKET: "/run/reapi.sock", RECC_INSTANCE: "main" }), {
    address: { kind: "unix", path: "/run/reapi.sock", text: "unix:/run/reapi.sock" },
    instanceName: "main",
  });
  t.equal(resolveEndpoint({ instance: "other" }, { REAPI_SOCKET: "/run/reapi.sock", RECC_INSTANCE: "main" }).instanceName, "other", "--instance wins");
  t.equal(resolveEndpoint({}, { REAPI_SOCKET: "/run/reapi.sock" }).instanceName, "", "no RECC_INSTANCE: the empty instance");
  t.throws(() => resolveEndpoint({}, { REAPI_SOCKET: "relative.sock" }), { exitStatus: 2, message: /absolute/ });
});

t.test("--server", async (t) => {
  const env = { REAPI_SOCKET: "/run/reapi.sock", RECC_INSTANCE: "main" };
  t.match(resolveEndpoint({ server: "unix:/tmp/casd.sock" }, env), { address: { kind: "unix", path: "/tmp/casd.sock" }, instanceName: "" }, "RECC_INSTANCE is the sandbox's, not --server's");
  t.match(resolveEndpoint({ server: "grpcs://cache.example:443", instance: "x" }, {}), { address: { kind: "tcp", host: "cache.example", port: 443, tls: true }, instanceName: "x" });
  t.match(resolveEndpoint({ server: "grpc://[::1]:8980" }, {}), { address: { kind: "tcp", host: "::1", port: 8980, tls: false } });
  for (const bad of ["http://x:1", "unix:relative", "grpc://host", "grpc://host:0"]) {
    t.throws(() => resolveEndpoint({ server: bad }, {}), { exitStatus: 2, message: /^--server must be/ }, bad);
  }
});

t.test("no server at all", async (t) => {
  t.throws(() => resolveEndpoint({}, {}), { exitStatus: 2, message: /no server: run inside a bst-cas-run sandbox/ });
  t.throws(() => resolveEndpoint({}, { REAPI_SOCKET: "" }), { name: "ToolError", exitStatus: 2 });
});

t.test("an instance name that cannot be one is a usage error naming where it came from", async (t) => {
  t.throws(() => resolveEndpoint({ server: "unix:/tmp/s.sock", instance: "a/blobs" }, {}), {
    exitStatus: 2,
    message: '--instance "a/blobs": the instance name uses the reserved word "blobs"',
  });
  t.throws(() => resolveEndpoint({ instance: "a//b" }, { REAPI_SOCKET: "/run/reapi.sock" }), { exitStatus: 2, message: /^--instance "a\/\/b": / });
  t.throws(() => resolveEndpoint({}, { REAPI_SOCKET: "/run/reapi.sock", RECC_INSTANCE: "/main" }), {
    exitStatus: 2,
    message: `RECC_INSTANCE "/main": the instance name starts or ends with '/'`,
  });
  t.equal(resolveEndpoint({ instance: "ok" }, { REAPI_SOCKET: "/run/reapi.sock", RECC_INSTANCE: "/main" }).instanceName, "ok", "a RECC_INSTANCE that --instance overrides is not read");
});
