// The Connect protocol with JSON over HTTP/1.1 on the same socket: curl inside the sandbox, same policy.
import { mkdtempSync, rmSync } from "node:fs";
import t from "tap";
import { runTool } from "../helpers/run-tool.js";

t.test("curl speaks JSON to the socket; the policy holds there too", async (t) => {
  const dir = t.testdir({ cache: {} });
  const runtime = mkdtempSync("/tmp/bcr-test-");
  t.teardown(() => rmSync(runtime, { recursive: true, force: true }));
  const { NODE_OPTIONS: _nodeOptions, ...inherited } = process.env;
  const env = { ...inherited, XDG_RUNTIME_DIR: runtime, BST_CAS_RUN_CACHE_DIR: `${dir}/cache` };
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
