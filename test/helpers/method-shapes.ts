// The call shape of every method the policy table knows, written down from the .proto files.
import type { Shape } from "./grpc-call.js";

const REAPI = "build.bazel.remote.execution.v2";
const LOCAL_CAS = "build.buildgrid.LocalContentAddressableStorage";

/** Each method's call shape, written down from the .proto files (Remote Asset and LocalCAS have none here). */
export const SHAPES: Readonly<Record<string, Shape>> = {
  [`${REAPI}.Capabilities/GetCapabilities`]: "unary",
  [`${REAPI}.ContentAddressableStorage/FindMissingBlobs`]: "unary",
  [`${REAPI}.ContentAddressableStorage/BatchUpdateBlobs`]: "unary",
  [`${REAPI}.ContentAddressableStorage/BatchReadBlobs`]: "unary",
  [`${REAPI}.ContentAddressableStorage/GetTree`]: "server_streaming",
  [`${REAPI}.ContentAddressableStorage/SplitBlob`]: "unary",
  [`${REAPI}.ContentAddressableStorage/SpliceBlob`]: "unary",
  "google.bytestream.ByteStream/Read": "server_streaming",
  "google.bytestream.ByteStream/Write": "client_streaming",
  "google.bytestream.ByteStream/QueryWriteStatus": "unary",
  [`${REAPI}.ActionCache/GetActionResult`]: "unary",
  [`${REAPI}.ActionCache/UpdateActionResult`]: "unary",
  [`${REAPI}.Execution/Execute`]: "server_streaming",
  [`${REAPI}.Execution/WaitExecution`]: "server_streaming",
  ...Object.fromEntries(
    ["ListOperations", "GetOperation", "DeleteOperation", "CancelOperation", "WaitOperation"].map((m) => [
      `google.longrunning.Operations/${m}`,
      "unary",
    ]),
  ),
  ...Object.fromEntries(
    ["Fetch/FetchBlob", "Fetch/FetchDirectory", "Push/PushBlob", "Push/PushDirectory"].map((m) => [`build.bazel.remote.asset.v1.${m}`, "unary"]),
  ),
  ...Object.fromEntries(
    [
      "FetchMissingBlobs", "UploadMissingBlobs", "FetchTree", "UploadTree", "CaptureTree", "CaptureFiles",
      "GetInstanceNameForRemote", "GetInstanceNameForRemotes", "GetInstanceNameForNamespace", "GetLocalDiskUsage",
    ].map((m) => [`${LOCAL_CAS}/${m}`, "unary"]),
  ),
  [`${LOCAL_CAS}/StageTree`]: "bidi_streaming",
};

