// Connect clients for the REAPI services the client commands call, over one connection.
import { createClient, type Client } from "@connectrpc/connect";
import { createUpstreamTransport } from "../backend/remote/upstream-transport.js";
import {
  ActionCache,
  Capabilities,
  ContentAddressableStorage,
} from "../gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { ByteStream } from "../gen/google/bytestream/bytestream_pb.js";
import type { Endpoint } from "./endpoint.js";
import { requestMetadataHeader, withRequestMetadata } from "./request-metadata.js";

/** The service clients, the instance they name, and the means to close the connection. */
export interface ReapiClients {
  readonly instanceName: string;
  /** The server as the user named it, for messages. */
  readonly serverText: string;
  readonly cas: Client<typeof ContentAddressableStorage>;
  readonly byteStream: Client<typeof ByteStream>;
  readonly actionCache: Client<typeof ActionCache>;
  readonly capabilities: Client<typeof Capabilities>;
  /** Closes the connection; the process can then exit. */
  close(): void;
}

/**
 * Opens (lazily, on the first call) a gRPC connection to `endpoint`, given up when it is not made
 * within `connectTimeoutMs` (10 s when undefined). Every call carries a RequestMetadata naming
 * bst-cas-run and `commandName` (e.g. "cas put"), for the server's logs.
 */
export function connectReapi(endpoint: Endpoint, commandName = "bst-cas-run", connectTimeoutMs?: number): ReapiClients {
  const upstream = createUpstreamTransport(endpoint.address, {}, connectTimeoutMs !== undefined ? { connectTimeoutMs } : {});
  const transport = withRequestMetadata(upstream.connectTransport(), requestMetadataHeader(commandName));
  const close = upstream.close;
  return {
    instanceName: endpoint.instanceName,
    serverText: endpoint.address.text,
    cas: createClient(ContentAddressableStorage, transport),
    byteStream: createClient(ByteStream, transport),
    actionCache: createClient(ActionCache, transport),
    capabilities: createClient(Capabilities, transport),
    close,
  };
}
