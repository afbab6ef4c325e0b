// Tests for src/policy/method-table.ts: decide() answers every method, with the flag off and on.
import t from "tap";
import { Code } from "@connectrpc/connect";
import {
  decide,
  METHOD_TABLE,
  POLICY_FLAG_NAMES,
  REFUSED_SERVICES,
  type PolicyFlags,
} from "../../src/policy/method-table.js";

const OFF: PolicyFlags = { actionCacheUpdate: false };
const ON: PolicyFlags = { actionCacheUpdate: true };
const REAPI = "build.bazel.remote.execution.v2";

type Expect = "allowed" | "denied";

/** The documented answer for every method, independent of the table it is checked against. */
const DOCUMENTED: Array<{ path: string; off: Expect; on: Expect }> = [
  { path: `/${REAPI}.Capabilities/GetCapabilities`, off: "allowed", on: "allowed" },
  { path: `/${REAPI}.ContentAddressableStorage/FindMissingBlobs`, off: "allowed", on: "allowed" },
  { path: `/${REAPI}.ContentAddressableStorage/BatchUpdateBlobs`, off: "allowed", on: "allowed" },
  { path: `/${REAPI}.ContentAddressableStorage/BatchReadBlobs`, off: "allowed", on: "allowed" },
  { path: `/${REAPI}.ContentAddressableStorage/GetTree`, off: "allowed", on: "allowed" },
  { path: `/${REAPI}.ContentAddressableStorage/SplitBlob`, off: "denied", on: "denied" },
  { path: `/${REAPI}.ContentAddressableStorage/SpliceBlob`, off: "denied", on: "denied" },
  { path: "/google.bytestream.ByteStream/Read", off: "allowed", on: "allowed" },
  { path: "/google.bytestream.ByteStream/Write", off: "allowed", on: "allowed" },
  { path: "/google.bytestream.ByteStream/QueryWriteStatus", off: "allowed", on: "allowed" },
  { path: `/${REAPI}.ActionCache/GetActionResult`, off: "allowed", on: "allowed" },
  { path: `/${REAPI}.ActionCache/UpdateActionResult`, off: "denied", on: "allowed" },
  { path: `/${REAPI}.Execution/Execute`, off: "denied", on: "denied" },
  { path: `/${REAPI}.Execution/WaitExecution`, off: "denied", on: "denied" },
  ...["ListOperations", "GetOperation", "DeleteOperation", "CancelOperation", "WaitOperation"].map((m) => ({
    path: `/google.longrunning.Operations/${m}`,
    off: "denied" as const,
    on: "denied" as const,
  })),
  { path: "/build.bazel.remote.asset.v1.Fetch/FetchBlob", off: "denied", on: "denied" },
  { path: "/build.bazel.remote.asset.v1.Fetch/FetchDirectory", off: "denied", on: "denied" },
  { path: "/build.bazel.remote.asset.v1.Push/PushBlob", off: "denied", on: "denied" },
  { path: "/build.bazel.remote.asset.v1.Push/PushDirectory", off: "denied", on: "denied" },
  ...[
    "FetchMissingBlobs", "UploadMissingBlobs", "FetchTree", "UploadTree", "StageTree", "CaptureTree",
    "CaptureFiles", "GetInstanceNameForRemote", "GetInstanceNameForRemotes", "GetInstanceNameForNamespace",
    "GetLocalDiskUsage",
  ].map((m) => ({
    path: `/build.buildgrid.LocalContentAddressableStorage/${m}`,
    off: "denied" as const,
    on: "denied" as const,
  })),
];

t.test("the documented list covers exactly the table", async (t) => {
  const tablePaths = METHOD_TABLE.map((r) => `/${r.service}/${r.method}`).sort();
  t.strictSame(tablePaths, DOCUMENTED.map((d) => d.path).sort());
});

t.test("every table row, flags off and on", async (t) => {
  for (const row of DOCUMENTED) {
    for (const [label, flags, want] of [["off", OFF, row.off], ["on", ON, row.on]] as const) {
      t.test(`${row.path} (flag ${label})`, async (t) => {
        const verdict = decide(row.path, flags);
        if (want === "allowed") {
          t.equal(verdict.allowed, true);
          if (verdict.allowed) t.equal(`/${verdict.rule.service}/${verdict.rule.method}`, row.path);
        } else {
          t.equal(verdict.allowed, false);
          if (!verdict.allowed) {
            t.equal(verdict.code, Code.PermissionDenied);
            t.ok(verdict.message.includes(row.path.slice(1)), `message names the method: ${verdict.message}`);
            t.match(verdict.message, /refused by the bst-cas-run policy/);
          }
        }
      });
    }
  }
});

t.test("UpdateActionResult refusal names the flag and the reason", async (t) => {
  const verdict = decide(`/${REAPI}.ActionCache/UpdateActionResult`, OFF);
  t.equal(verdict.allowed, false);
  if (!verdict.allowed) {
    t.equal(
      verdict.message,
      `${REAPI}.ActionCache/UpdateActionResult is refused by the bst-cas-run policy ` +
        "(off by default to protect the action cache's integrity); --action-cache-enable-update allows it",
    );
  }
  t.equal(POLICY_FLAG_NAMES.actionCacheUpdate, "--action-cache-enable-update");
});

t.test("a refused row's message gives its reason", async (t) => {
  const verdict = decide(`/${REAPI}.Execution/Execute`, ON);
  t.strictSame(verdict, {
    allowed: false,
    code: Code.PermissionDenied,
    message: `${REAPI}.Execution/Execute is refused by the bst-cas-run policy: remote execution would run code outside the sandbox`,
  });
});

t.test("unknown methods and services", async (t) => {
  const cases: Array<{ path: string; code: Code; message: string }> = [
    { path: `/${REAPI}.Execution/Foo`, code: Code.PermissionDenied, message: `${REAPI}.Execution/Foo is refused by the bst-cas-run policy` },
    { path: "/google.longrunning.Operations/Bar", code: Code.PermissionDenied, message: "google.longrunning.Operations/Bar is refused by the bst-cas-run policy" },
    { path: "/build.bazel.remote.asset.v1.Fetch/FetchX", code: Code.PermissionDenied, message: "build.bazel.remote.asset.v1.Fetch/FetchX is refused by the bst-cas-run policy" },
    { path: "/build.buildgrid.LocalContentAddressableStorage/New", code: Code.PermissionDenied, message: "build.buildgrid.LocalContentAddressableStorage/New is refused by the bst-cas-run policy" },
    // Partly allowed services are not blanket-refused: an unknown method there is unimplemented.
    { path: `/${REAPI}.ContentAddressableStorage/Foo`, code: Code.Unimplemented, message: `${REAPI}.ContentAddressableStorage/Foo is not a method this socket knows` },
    { path: `/${REAPI}.ActionCache/Foo`, code: Code.Unimplemented, message: `${REAPI}.ActionCache/Foo is not a method this socket knows` },
    { path: "/google.bytestream.ByteStream/Delete", code: Code.Unimplemented, message: "google.bytestream.ByteStream/Delete is not a method this socket knows" },
    { path: "/grpc.health.v1.Health/Check", code: Code.Unimplemented, message: "grpc.health.v1.Health/Check is not a method this socket knows" },
    { path: "/foo.Bar/Baz", code: Code.Unimplemented, message: "foo.Bar/Baz is not a method this socket knows" },
    // Service names are case-sensitive.
    { path: `/${REAPI}.actioncache/GetActionResult`, code: Code.Unimplemented, message: `${REAPI}.actioncache/GetActionResult is not a method this socket knows` },
    { path: `/${REAPI}.ActionCache/getActionResult`, code: Code.Unimplemented, message: `${REAPI}.ActionCache/getActionResult is not a method this socket knows` },
  ];
  for (const c of cases) {
    t.test(c.path, async (t) => {
      t.strictSame(decide(c.path, OFF), { allowed: false, code: c.code, message: c.message });
      t.strictSame(decide(c.path, ON), { allowed: false, code: c.code, message: c.message });
    });
  }
});

t.test("malformed paths are UNIMPLEMENTED", async (t) => {
  const cases = [
    "",
    "/",
    "//",
    `${REAPI}.ActionCache/GetActionResult`,
    `/${REAPI}.ActionCache/GetActionResult/`,
    `//${REAPI}.ActionCache/GetActionResult`,
    `/${REAPI}.ActionCache//GetActionResult`,
    `/${REAPI}.ActionCache/GetActionResult/extra`,
    `/${REAPI}.ActionCache`,
    `/${REAPI}.ActionCache/`,
    "/GetActionResult",
    `/${REAPI}.ActionCache/Get.ActionResult`,
    `/${REAPI}.ActionCache/GetActionResult\n`,
    `/${REAPI}.Action Cache/GetActionResult`,
    `/../${REAPI}.ActionCache/GetActionResult`,
  ];
  for (const path of cases) {
    t.test(JSON.stringify(path), async (t) => {
      t.strictSame(decide(path, ON), {
        allowed: false,
        code: Code.Unimplemented,
        message: `${JSON.stringify(path)} is not a gRPC method path`,
      });
    });
  }
});

t.test("a long malformed path is truncated in the message", async (t) => {
  const path = "x".repeat(500);
  const verdict = decide(path, OFF);
  t.equal(verdict.allowed, false);
  if (!verdict.allowed) t.equal(verdict.message, `${JSON.stringify("x".repeat(197) + "...")} is not a gRPC method path`);
});

t.test("REFUSED_SERVICES holds only wholly refused services", async (t) => {
  t.strictSame([...REFUSED_SERVICES].sort(), [
    "build.bazel.remote.asset.v1.Fetch",
    "build.bazel.remote.asset.v1.Push",
    `${REAPI}.Execution`,
    "build.buildgrid.LocalContentAddressableStorage",
    "google.longrunning.Operations",
  ].sort());
});
