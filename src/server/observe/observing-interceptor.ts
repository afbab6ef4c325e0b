// A Connect interceptor that times every served call and reports it to a CallObserver.
import type { Message } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { CallObserver } from "./call-record.js";
import { instanceNameOf, payloadBytes, subjectOf } from "./message-facts.js";

/** Reports each call to `observe` when it ends, with its status, blob bytes and duration. */
export function createObservingInterceptor(observe: CallObserver): Interceptor {
  return (next) => async (request) => {
    const started = performance.now();
    const method = `${request.service.typeName}/${request.method.name}`;
    let bytesIn = 0;
    let bytesOut = 0;
    let subject = "-";
    let instanceName: string | undefined;
    const noteRequest = (message: Message): void => {
      if (subject === "-") subject = subjectOf(message);
      instanceName ??= instanceNameOf(message);
      bytesIn += payloadBytes(message);
    };
    let finished = false;
    const finish = (error: unknown): void => {
      if (finished) return;
      finished = true;
      const code = error === undefined ? 0 : error instanceof ConnectError ? error.code : Code.Unknown;
      observe({
        method,
        ...(instanceName !== undefined ? { instanceName } : {}),
        subject,
        code,
        refused: false,
        bytesIn,
        bytesOut,
        milliseconds: performance.now() - started,
      });
    };

    // A client that goes away ends the call, whatever the handler does next.
    request.signal.addEventListener("abort", () => finish(new ConnectError("the client went away", Code.Canceled)), { once: true });

    if (request.stream) {
      const messages = request.message;
      request = {
        ...request,
        message: (async function* () {
          for await (const message of messages) {
            noteRequest(message);
            yield message;
          }
        })(),
      };
    } else {
      noteRequest(request.message);
    }

    let response;
    try {
      response = await next(request);
    } catch (error) {
      finish(error);
      throw error;
    }
    if (!response.stream) {
      bytesOut += payloadBytes(response.message);
      finish(undefined);
      return response;
    }
    const messages = response.message;
    return {
      ...response,
      message: (async function* () {
        let outcome: unknown = new ConnectError("the client stopped reading", Code.Canceled);
        try {
          for await (const message of messages) {
            bytesOut += payloadBytes(message);
            yield message;
          }
          outcome = undefined;
        } catch (error) {
          outcome = error;
          throw error;
        } finally {
          finish(outcome);
        }
      })(),
    };
  };
}
