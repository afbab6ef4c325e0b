// ActionResult and ServerCapabilities as proto3 JSON, for `--json` output and `ac put --result`.
import { createRegistry, fromJsonString, toJson, type JsonValue } from "@bufbuild/protobuf";
import {
  ActionResultSchema,
  file_build_bazel_remote_execution_v2_remote_execution,
  ServerCapabilitiesSchema,
  type ActionResult,
  type ServerCapabilities,
} from "../gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { usageError } from "./exit-status.js";

/** The REAPI types, so that `google.protobuf.Any` values holding them can be written. */
const REGISTRY = createRegistry(file_build_bazel_remote_execution_v2_remote_execution);
/** Fields at their default values are written too, so that scripts find every field. */
const JSON_OPTIONS = { registry: REGISTRY, alwaysEmitImplicit: true } as const;

/**
 * The ActionResult as proto3 JSON (lowerCamelCase names, int64 as strings, bytes as base64,
 * fields at their defaults included).
 * `auxiliaryMetadata` entries of types this client does not know are left out.
 */
export function actionResultToJson(result: ActionResult): JsonValue {
  try {
    return toJson(ActionResultSchema, result, JSON_OPTIONS);
  } catch {
    const metadata = result.executionMetadata;
    if (metadata === undefined) throw new Error("the action result cannot be written as JSON");
    return toJson(ActionResultSchema, { ...result, executionMetadata: { ...metadata, auxiliaryMetadata: [] } }, JSON_OPTIONS);
  }
}

/** Parses proto3 JSON (lowerCamelCase or the .proto's snake_case names) into an ActionResult; a usage error (exit 2) otherwise. */
export function parseActionResultJson(text: string, source: string): ActionResult {
  try {
    return fromJsonString(ActionResultSchema, text, { registry: REGISTRY });
  } catch (error) {
    throw usageError(`${source} is not an ActionResult in proto3 JSON: ${(error as Error).message.split("\n")[0]}`);
  }
}

/** The capabilities as proto3 JSON. */
export function capabilitiesToJson(capabilities: ServerCapabilities): JsonValue {
  return toJson(ServerCapabilitiesSchema, capabilities, JSON_OPTIONS);
}
