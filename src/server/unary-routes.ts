// The unary methods' implementations, kept by gRPC path as they are registered with Connect, so that they can also be served without it.
import type { DescMessage, DescMethodUnary, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { ConnectRouter, HandlerContext } from "@connectrpc/connect";

/** One unary method and its implementation, as registered. */
export interface UnaryRoute {
  readonly method: DescMethodUnary;
  readonly impl: (request: MessageShape<DescMessage>, context: HandlerContext) => Promise<MessageInitShape<DescMessage>> | MessageInitShape<DescMessage>;
}

/**
 * A router that registers everything with `router` as usual and also keeps each unary method's
 * implementation in `routes`, under its gRPC path (`/package.Service/Method`).
 */
export function recordUnaryRoutes(router: ConnectRouter, routes: Map<string, UnaryRoute>): ConnectRouter {
  const rpc: ConnectRouter["rpc"] = (method, impl, options) => {
    if (method.methodKind === "unary") {
      routes.set(`/${method.parent.typeName}/${method.name}`, { method: method as DescMethodUnary, impl: impl as unknown as UnaryRoute["impl"] });
    }
    router.rpc(method, impl, options);
    return recording;
  };
  const recording: ConnectRouter = { handlers: router.handlers, service: router.service.bind(router), rpc };
  return recording;
}
