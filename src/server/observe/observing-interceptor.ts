// A Connect interceptor that times every served call and reports it to a CallObserver.
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { isCallStatus } from "../status-of.js";
import { CallMeter } from "./call-meter.js";
import type { CallObserver } from "./call-record.js";
import { CALL_SIGHTING } from "./unseen-calls.js";

/** Reports each call to `observe` when it ends, with its status, blob bytes and duration. */
export function createObservingInterceptor(observe: CallObserver): Interceptor {
  return (next) => async (request) => {
    const meter = new CallMeter(`${request.service.typeName}/${request.method.name}`, observe);
    // This call is metered here; the watch on what Connect answers itself leaves it alone.
    const sighting = request.contextValues.get(CALL_SIGHTING);
    if (sighting !== undefined) sighting.seen = true;

    // A client that goes away, or a deadline that passes, ends the call, whatever the handler does next;
    // also before this runs (a unary call's interceptors run once its request has been read).
    const onAbort = () => meter.finish(abortStatus(request.signal.reason));
    if (request.signal.aborted) onAbort();
    else request.signal.addEventListener("abort", onAbort, { once: true });

    if (request.stream) {
      const messages = request.message;
      request = {
        ...request,
        message: (async function* () {
          for await (const message of messages) {
            meter.noteRequest(message);
            yield message;
          }
        })(),
      };
    } else {
      meter.noteRequest(request.message);
    }

    let response;
    try {
      response = await next(request);
    } catch (error) {
      meter.finish(error);
      throw error;
    }
    if (!response.stream) {
      meter.noteResponse(response.message);
      meter.finish(undefined);
      return response;
    }
    const messages = response.message;
    return {
      ...response,
      message: (async function* () {
        let outcome: unknown = new ConnectError("the client stopped reading", Code.Canceled);
        try {
          for await (const message of messages) {
            meter.noteResponse(message);
            yield message;
          }
          outcome = undefined;
        } catch (error) {
          outcome = error;
          throw error;
        } finally {
          meter.finish(outcome);
        }
      })(),
    };
  };
}

/**
 * The status of a call whose signal aborted with `reason`: Connect's own (DEADLINE_EXCEEDED when
 * the deadline passed, the code a client's RST_STREAM maps to), else CANCELLED.
 */
function abortStatus(reason: unknown): unknown {
  return isCallStatus(reason) ? reason : new ConnectError("the client went away", Code.Canceled);
}
