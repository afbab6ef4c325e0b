// Carries the client's REAPI request-metadata header from a served call to the upstream calls it makes.
import { AsyncLocalStorage } from "node:async_hooks";
import type { Interceptor } from "@connectrpc/connect";

/** The header REAPI clients use to describe themselves and their build (binary, base64 in gRPC). */
export const REQUEST_METADATA_HEADER = "build.bazel.remote.execution.v2.requestmetadata-bin";

const current = new AsyncLocalStorage<string>();

/**
 * Server interceptor: remembers the incoming call's request-metadata for the work the call does,
 * including the work a streaming response does each time the next message is pulled.
 */
export const captureRequestMetadata: Interceptor = (next) => async (request) => {
  const value = request.header.get(REQUEST_METADATA_HEADER);
  if (value === null) return next(request);
  const response = await current.run(value, () => next(request));
  if (!response.stream) return response;
  const messages = response.message[Symbol.asyncIterator]();
  return {
    ...response,
    message: (async function* () {
      for (;;) {
        const step = await current.run(value, () => messages.next());
        if (step.done === true) return;
        yield step.value;
      }
    })(),
  };
};

/** Runs `work` with `value` as the request-metadata that upstream calls made inside it forward. */
export function runWithRequestMetadata<T>(value: string, work: () => T): T {
  return current.run(value, work);
}

/** The request-metadata of the served call this code runs for, when it carried one and forwarding is on. */
export function currentRequestMetadata(): string | undefined {
  return current.getStore();
}

/** Client interceptor: sends the remembered request-metadata with an upstream call. */
export const forwardRequestMetadata: Interceptor = (next) => (request) => {
  const value = current.getStore();
  if (value !== undefined && !request.header.has(REQUEST_METADATA_HEADER)) request.header.set(REQUEST_METADATA_HEADER, value);
  return next(request);
};
