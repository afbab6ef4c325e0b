// A Connect interceptor that gives up waiting for a streaming call's request messages when the call's signal aborts, as the lean gRPC path does.
import type { Interceptor } from "@connectrpc/connect";
import { untilAborted } from "../util/until-aborted.js";

/**
 * Ends the wait for each request message of a streaming call with the call's signal. Connect
 * aborts the signal when the deadline passes but keeps reading the body: a call whose request
 * never came got no answer until its client gave up. Unary calls are not helped: Connect reads
 * their request before any interceptor runs.
 */
export function createDeadlineInterceptor(): Interceptor {
  return (next) => (request) => {
    if (!request.stream) return next(request);
    const { message: messages, signal } = request;
    return next({
      ...request,
      message: (async function* () {
        const iterator = messages[Symbol.asyncIterator]();
        try {
          for (;;) {
            const step = await untilAborted(iterator.next(), signal);
            if (step.done === true) return;
            yield step.value;
          }
        } finally {
          // Runs once the read under way ends (the client's end or reset): nothing waits on it.
          void iterator.return?.()?.catch(() => undefined);
        }
      })(),
    });
  };
}
