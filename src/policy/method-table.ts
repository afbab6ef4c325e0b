// The policy: every known REAPI-family method with the answer the sandbox socket gives it.
import { Code } from "@connectrpc/connect";

/** What the socket does with a method. */
export type Decision =
  /** Served. */
  | "allow"
  /** Served only when the named flag is given; refused otherwise. */
  | "flag"
  /** Always refused with PERMISSION_DENIED. */
  | "refuse";

/** The flags that open methods the default policy keeps shut. */
export interface PolicyFlags {
  /** `--action-cache-enable-update`: allow ActionCache/UpdateActionResult. */
  readonly actionCacheUpdate: boolean;
}

/** One row of the method table. */
export interface MethodRule {
  /** Fully qualified service name, e.g. `build.bazel.remote.execution.v2.ActionCache`. */
  readonly service: string;
  readonly method: string;
  readonly decision: Decision;
  /** For `flag` rows: the command-line flag that opens the method. */
  readonly flag?: keyof PolicyFlags;
  /** Why the answer is what it is; shown in refusals and in the docs. */
  readonly reason: string;
}

const REAPI = "build.bazel.remote.execution.v2";

function rows(service: string, decision: Decision, reason: string, methods: readonly string[]): MethodRule[] {
  return methods.map((method) => ({ service, method, decision, reason }));
}

/** The command-line spelling of each policy flag. */
export const POLICY_FLAG_NAMES: Readonly<Record<keyof PolicyFlags, string>> = {
  actionCacheUpdate: "--action-cache-enable-update",
};

/** Every method the policy knows, in the order the docs list them. */
export const METHOD_TABLE: readonly MethodRule[] = [
  ...rows(`${REAPI}.Capabilities`, "allow", "answer rewritten to what this socket serves", ["GetCapabilities"]),
  ...rows(`${REAPI}.ContentAddressableStorage`, "allow", "digests and batch sizes validated", [
    "FindMissingBlobs",
    "BatchUpdateBlobs",
    "BatchReadBlobs",
    "GetTree",
  ]),
  ...rows(`${REAPI}.ContentAddressableStorage`, "refuse", "blob splitting is not offered", ["SplitBlob", "SpliceBlob"]),
  ...rows("google.bytestream.ByteStream", "allow", "CAS blob resource names only", ["Read", "Write", "QueryWriteStatus"]),
  ...rows(`${REAPI}.ActionCache`, "allow", "inline requests go to an upstream; the embedded store inlines nothing", ["GetActionResult"]),
  {
    service: `${REAPI}.ActionCache`,
    method: "UpdateActionResult",
    decision: "flag",
    flag: "actionCacheUpdate",
    reason: "off by default to protect the action cache's integrity",
  },
  ...rows(`${REAPI}.Execution`, "refuse", "remote execution would run code outside the sandbox", ["Execute", "WaitExecution"]),
  ...rows("google.longrunning.Operations", "refuse", "operations belong to remote execution", [
    "ListOperations",
    "GetOperation",
    "DeleteOperation",
    "CancelOperation",
    "WaitOperation",
  ]),
  ...rows("build.bazel.remote.asset.v1.Fetch", "refuse", "Remote Asset Fetch can download from the internet", [
    "FetchBlob",
    "FetchDirectory",
  ]),
  ...rows("build.bazel.remote.asset.v1.Push", "refuse", "Remote Asset Push writes outside the CAS", ["PushBlob", "PushDirectory"]),
  ...rows("build.buildgrid.LocalContentAddressableStorage", "refuse", "LocalCAS exposes the host filesystem", [
    "FetchMissingBlobs",
    "UploadMissingBlobs",
    "FetchTree",
    "UploadTree",
    "StageTree",
    "CaptureTree",
    "CaptureFiles",
    "GetInstanceNameForRemote",
    "GetInstanceNameForRemotes",
    "GetInstanceNameForNamespace",
    "GetLocalDiskUsage",
  ]),
];

/** Services whose every method, listed or not, is refused with PERMISSION_DENIED. */
export const REFUSED_SERVICES: ReadonlySet<string> = new Set(
  METHOD_TABLE.filter((rule) => rule.decision === "refuse" && !isPartlyAllowed(rule.service)).map((rule) => rule.service),
);

function isPartlyAllowed(service: string): boolean {
  return METHOD_TABLE.some((rule) => rule.service === service && rule.decision !== "refuse");
}

/** The answer for one call. */
export type Verdict =
  | { readonly allowed: true; readonly rule: MethodRule }
  | { readonly allowed: false; readonly code: Code; readonly message: string };

/** Decides a call by its gRPC path (`/package.Service/Method`) under the given flags. */
export function decide(path: string, flags: PolicyFlags): Verdict {
  const match = /^\/([A-Za-z0-9_.]+)\/([A-Za-z0-9_]+)$/.exec(path);
  const shown = path.length > 200 ? `${path.slice(0, 197)}...` : path;
  if (match === null) {
    return { allowed: false, code: Code.Unimplemented, message: `${JSON.stringify(shown)} is not a gRPC method path` };
  }
  const [, service, method] = match as unknown as [string, string, string];
  const name = `${service}/${method}`;
  const rule = METHOD_TABLE.find((row) => row.service === service && row.method === method);
  if (rule === undefined) {
    if (REFUSED_SERVICES.has(service)) {
      return { allowed: false, code: Code.PermissionDenied, message: `${name} is refused by the bst-cas-run policy` };
    }
    return { allowed: false, code: Code.Unimplemented, message: `${name} is not a method this socket knows` };
  }
  switch (rule.decision) {
    case "allow":
      return { allowed: true, rule };
    case "flag":
      if (rule.flag !== undefined && flags[rule.flag]) return { allowed: true, rule };
      return {
        allowed: false,
        code: Code.PermissionDenied,
        message: `${name} is refused by the bst-cas-run policy (${rule.reason}); ${POLICY_FLAG_NAMES[rule.flag ?? "actionCacheUpdate"]} allows it`,
      };
    case "refuse":
      return {
        allowed: false,
        code: Code.PermissionDenied,
        message: `${name} is refused by the bst-cas-run policy: ${rule.reason}`,
      };
  }
}
