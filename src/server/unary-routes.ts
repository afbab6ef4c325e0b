// The unary methods' implementations, registered with Connect and kept by gRPC path, so that they can also be served without it.
import type { DescMessage, DescMethodUnary, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import { REQUEST_METADATA_HEADER } from "./request-metadata.js";
import { StatusError, toConnectError } from "./status-of.js";

/** What a unary implementation is told of its call, whichever path serves it. */
export interface UnaryCall {
  /** Aborted when the client cancels, goes away, or its deadline passes. */
  readonly signal: AbortSignal;
  /** The client's request-metadata header (base64), when it sent one. */
  readonly requestMetadata: string | undefined;
}

/** A unary method's implementation. */
export type UnaryImpl<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  call: UnaryCall,
) => Promise<MessageInitShape<O>> | MessageInitShape<O>;

/** One unary method and its implementation, as registered. */
export interface UnaryRoute {
  readonly method: DescMethodUnary;
  readonly impl: UnaryImpl<DescMessage, DescMessage>;
}

/** Connect's router for the streaming methods, and `unary` for the unary ones. */
export interface ReapiRouter {
  readonly rpc: ConnectRouter["rpc"];
  /** Registers `impl` for `method` with Connect, and keeps it for the lean gRPC path. */
  unary<I extends DescMessage, O extends DescMessage>(method: DescMethodUnary<I, O>, impl: UnaryImpl<I, O>): void;
}

/**
 * A router that registers everything with `router` and also keeps each unary implementation in
 * `routes`, under its gRPC path (`/package.Service/Method`). Unary implementations see a
 * {@link UnaryCall}, not Connect's HandlerContext, so that the lean path calls them without building
 * one (its Headers alone load Node's fetch implementation, tens of milliseconds on a fresh server).
 */
export function createReapiRouter(router: ConnectRouter, routes: Map<string, UnaryRoute>): ReapiRouter {
  return {
    rpc: router.rpc.bind(router),
    unary(method, impl) {
      routes.set(`/${method.parent.typeName}/${method.name}`, { method, impl: impl as UnaryRoute["impl"] });
      router.rpc(method as DescMethodUnary, async (request, context) => {
        try {
          return await (impl as UnaryRoute["impl"])(request, { signal: context.signal, requestMetadata: context.requestHeader.get(REQUEST_METADATA_HEADER) ?? undefined });
        } catch (error) {
          // Connect answers a ConnectError's status; anything else would be UNKNOWN.
          throw error instanceof StatusError ? toConnectError(error) : error;
        }
      });
    },
  };
}
