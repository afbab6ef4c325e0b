// The Connect protocol with JSON over HTTP/1.1 on the same socket: curl inside the sandbox, same policy.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import t, { type Test } from "tap";
import { runTool } from "../helpers/run-tool.js";

/** A test directory with an empty store, and the environment a run there gets (its own runtime directory). */
function scratch(t: Test) {
  const dir = t.testdir({ cache: {} });
  const runtime = mkdtempSync("/tmp/bcr-test-");
  t.teardown(() => rmSync(runtime, { recursive: true, force: true }));
  const { NODE_OPTIONS: _nodeOptions, ...inherited } = process.env;
  return { dir, env: { ...inherited, XDG_RUNTIME_DIR: runtime, BST_CAS_RUN_CACHE_DIR: `${dir}/cache` } };
}

t.test("curl speaks JSON to the socket; the policy holds there too", async (t) => {
  const { dir, env } = scratch(t);
  const call = (method: string) =>
    `curl -s --unix-socket /run/reapi.sock -H 'content-type: application/json' -d '{}' http://localhost/${method}; echo`;
  const result = await runTool(
    ["--", "sh", "-c", [call("build.bazel.remote.execution.v2.Capabilities/GetCapabilities"), call("build.bazel.remote.execution.v2.Execution/Execute"), call("build.bazel.remote.execution.v2.ActionCache/UpdateActionResult")].join("; ")],
    { env, cwd: dir },
  );
  t.equal(result.exitCode, 0, result.stderr);
  const [capabilities, execute, update] = result.stdout.split("\n").map((line) => JSON.parse(line));
  t.match(capabilities, { cacheCapabilities: { digestFunctions: ["SHA256"], maxBatchTotalSizeBytes: "4128768" }, executionCapabilities: { digestFunction: "SHA256" } });
  t.notOk(capabilities.executionCapabilities.execEnabled, "execution is off (false is left out of JSON)");
  t.same(execute, { code: "permission_denied", message: "build.bazel.remote.execution.v2.Execution/Execute is refused by the bst-cas-run policy: remote execution would run code outside the sandbox" });
  t.match(update, { code: "permission_denied", message: /--action-cache-enable-update allows it/ });
});

t.test("--log-file has a line for a call whose JSON body the server could not decode", async (t) => {
  const { dir, env } = scratch(t);
  const body = `'{"blobDigests": 5}'`;
  const curl = `curl -s --unix-socket /run/reapi.sock -H 'content-type: application/json' -d ${body} http://localhost/build.bazel.remote.execution.v2.ContentAddressableStorage/FindMissingBlobs; echo`;
  const result = await runTool(["--log-file", `${dir}/calls.log`, "--", "sh", "-c", curl], { env, cwd: dir });
  t.equal(result.exitCode, 0, result.stderr);
  t.match(JSON.parse(result.stdout), { code: "invalid_argument" }, "curl got invalid_argument");
  const lines = readFileSync(`${dir}/calls.log`, "utf8").trim().split("\n");
  t.equal(lines.length, 1, `one line: ${lines.join(" | ")}`);
  t.match(lines[0], / build\.bazel\.remote\.execution\.v2\.ContentAddressableStorage\/FindMissingBlobs .* INVALID_ARGUMENT in=0 out=0 ms=/, "naming the method and its status");
});
