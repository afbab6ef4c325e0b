// Tests for src/policy/instance-name-rules.ts: which strings can be instance names, and the one-line message for those that cannot.
import t from "tap";
import { instanceNameMessage, instanceNameProblem, MAX_INSTANCE_NAME_LENGTH } from "../../src/policy/instance-name-rules.js";
import { parseReadResourceName, parseWriteResourceName } from "../../src/policy/resource-name.js";

const H = "a".repeat(64);
/** The longest upload id a write name may carry. */
const UPLOAD_ID = "u".repeat(128);

t.test("accepted, and every resource name built on them parses back to them", async (t) => {
  const names = ["", "main", "a/b/c", "with space", "ünïcödé", "sha256", "blobsy", "my-blobs", "x".repeat(MAX_INSTANCE_NAME_LENGTH)];
  for (const name of names) {
    t.equal(instanceNameProblem(name), undefined, JSON.stringify(name).slice(0, 40));
    t.equal(instanceNameMessage("--instance", name), undefined);
    const prefix = name === "" ? "" : `${name}/`;
    t.equal(parseReadResourceName(`${prefix}blobs/${H}/5`).instanceName, name, "read name");
    t.equal(parseWriteResourceName(`${prefix}uploads/${UPLOAD_ID}/compressed-blobs/zstd/sha256/${H}/${Number.MAX_SAFE_INTEGER}`).instanceName, name, "write name");
  }
});

t.test("refused, each with its reason", async (t) => {
  const cases: Array<[string, string]> = [
    ["blobs", 'uses the reserved word "blobs"'],
    ["a/blobs", 'uses the reserved word "blobs"'],
    ["uploads/x", 'uses the reserved word "uploads"'],
    ["a/actions/b", 'uses the reserved word "actions"'],
    ["actionResults", 'uses the reserved word "actionResults"'],
    ["operations", 'uses the reserved word "operations"'],
    ["capabilities", 'uses the reserved word "capabilities"'],
    ["x/compressed-blobs", 'uses the reserved word "compressed-blobs"'],
    ["a//b", "has an empty, '.' or '..' segment"],
    [".", "has an empty, '.' or '..' segment"],
    ["a/..", "has an empty, '.' or '..' segment"],
    ["./a", "has an empty, '.' or '..' segment"],
    ["/a", "starts or ends with '/'"],
    ["a/", "starts or ends with '/'"],
    ["/", "starts or ends with '/'"],
    ["a\nb", "holds control characters or backslashes"],
    ["a\\b", "holds control characters or backslashes"],
    ["x".repeat(MAX_INSTANCE_NAME_LENGTH + 1), `is longer than ${MAX_INSTANCE_NAME_LENGTH} characters`],
  ];
  for (const [name, problem] of cases) t.equal(instanceNameProblem(name), problem, JSON.stringify(name).slice(0, 40));
});

t.test("the message names the source and the value, in one line", async (t) => {
  t.equal(instanceNameMessage("--instance", "a/blobs"), '--instance "a/blobs": the instance name uses the reserved word "blobs"');
  t.equal(instanceNameMessage("RECC_INSTANCE", "a\nb"), 'RECC_INSTANCE "a\\nb": the instance name holds control characters or backslashes');
  const long = instanceNameMessage("--remote-instance", `${"x".repeat(5000)}/`);
  t.equal(long, `--remote-instance "${"x".repeat(117)}...": the instance name is longer than ${MAX_INSTANCE_NAME_LENGTH} characters`);
});
