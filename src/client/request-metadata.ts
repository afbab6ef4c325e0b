// Names this client in every call's REAPI RequestMetadata header, as casupload and recc name themselves.
import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { encodeBinaryHeader, type Transport } from "@connectrpc/connect";
import { RequestMetadataSchema } from "../gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { REQUEST_METADATA_HEADER } from "../server/request-metadata.js";

/** The program's version, as package.json gives it (replaced at bundle time). */
declare const BST_CAS_RUN_VERSION: string | undefined;

/** The header value: tool `bst-cas-run` at its version, and one invocation id per process. */
export function requestMetadataHeader(commandName: string): string {
  const metadata = create(RequestMetadataSchema, {
    toolDetails: { toolName: "bst-cas-run", toolVersion: typeof BST_CAS_RUN_VERSION === "string" ? BST_CAS_RUN_VERSION : "0.0.0-dev" },
    toolInvocationId: randomUUID(),
    actionMnemonic: commandName,
  });
  return encodeBinaryHeader(metadata, RequestMetadataSchema);
}

/** `transport`, with `headerValue` sent as the request-metadata header of every call that has none. */
export function withRequestMetadata(transport: Transport, headerValue: string): Transport {
  const add = (header: Parameters<Transport["unary"]>[3]): Headers => {
    const headers = new Headers(header);
    if (!headers.has(REQUEST_METADATA_HEADER)) headers.set(REQUEST_METADATA_HEADER, headerValue);
    return headers;
  };
  return {
    unary: (method, signal, timeoutMs, header, input, contextValues) => transport.unary(method, signal, timeoutMs, add(header), input, contextValues),
    stream: (method, signal, timeoutMs, header, input, contextValues) => transport.stream(method, signal, timeoutMs, add(header), input, contextValues),
  };
}
