// Calls Connect answers before any interceptor sees them (a body it cannot read or decode, compression it does not take, a deadline passed while reading): reported from the answer they got.
import { constants } from "node:http2";
import { Code, ConnectError, createContextKey, createContextValues, type ContextValues } from "@connectrpc/connect";
import { codeFromHttpStatus, endStreamFlag, endStreamFromJson, errorFromJsonBytes } from "@connectrpc/connect/protocol-connect";
import { StatusError } from "../status-of.js";
import { CallMeter } from "./call-meter.js";
import type { CallObserver } from "./call-record.js";

/** What the observing interceptor marks on a call it meters; the call's context carries it. */
export interface CallSighting {
  seen: boolean;
}

/** The context value under which a call's {@link CallSighting} travels to the interceptor. */
export const CALL_SIGHTING = createContextKey<CallSighting | undefined>(undefined, { description: "bst-cas-run call sighting" });

/** What the watch needs of a Node response, HTTP/1.1 or HTTP/2: the calls that send an answer, and its end. */
interface AnyResponse {
  writeHead: (...args: never[]) => unknown;
  write: (...args: never[]) => unknown;
  addTrailers: (...args: never[]) => unknown;
  once(event: "close" | "finish", listener: () => void): unknown;
  /** HTTP/2 only: the stream, whose `rstCode` tells, once it is closed, whether the client reset it. */
  readonly stream?: { readonly rstCode?: number };
}
type RequestKey = object;

/** Watches the calls Connect serves, so that none ends unrecorded. */
export interface UnseenCallWatch {
  /** Watches the call `request` makes to `path` (`/package.Service/Method`), answered on `response`. */
  watch(request: RequestKey, response: AnyResponse, path: string): void;
  /** For Connect's `contextValues` option: hands each watched call's sighting to the interceptor. */
  contextValues(request: RequestKey): ContextValues;
}

/**
 * Reports to `observe` every watched call that ended without the observing interceptor having
 * seen it, timed from when it was watched, with the status its answer carried (CANCELLED when the
 * call ended before its answer was wholly sent). Connect reads a unary call's request, and checks
 * its headers, before any interceptor runs; without this, a call it refused there left no line in
 * the log and no count in the statistics.
 */
export function createUnseenCallWatch(observe: CallObserver): UnseenCallWatch {
  const sightings = new WeakMap<RequestKey, CallSighting>();
  return {
    watch(request, response, path) {
      const sighting: CallSighting = { seen: false };
      sightings.set(request, sighting);
      const meter = new CallMeter(path.slice(1), observe);
      const answerCode = followAnswer(response);
      let finished = false;
      response.once("finish", () => (finished = true));
      response.once("close", () => {
        if (sighting.seen) return;
        // An answer that never wholly left was not heard: the client went away first. (An HTTP/2
        // response says "finish" even for a stream the client reset: its RST_STREAM code tells.)
        const heard = response.stream !== undefined ? response.stream.rstCode === constants.NGHTTP2_NO_ERROR : finished;
        const code = heard ? answerCode() : Code.Canceled;
        meter.finish(code === 0 ? undefined : new StatusError(code, "answered before any handler ran"));
      });
    },
    contextValues(request) {
      return createContextValues().set(CALL_SIGHTING, sightings.get(request));
    },
  };
}

/**
 * Follows what is sent on `response` (status, headers, trailers, its last body chunk); the function
 * returned reads the call's status from it (UNKNOWN while nothing was sent).
 */
function followAnswer(response: AnyResponse): () => Code | 0 {
  let status: number | undefined;
  let contentType = "";
  let headerStatus: string | undefined;
  let trailerStatus: string | undefined;
  let lastChunk: Uint8Array | undefined;

  const writeHead = response.writeHead.bind(response) as unknown as (statusCode: number, headers?: Record<string, unknown>) => unknown;
  Object.defineProperty(response, "writeHead", {
    configurable: true,
    value: (statusCode: number, headers?: Record<string, unknown>) => {
      status = statusCode;
      contentType = String(headers?.["content-type"] ?? "");
      headerStatus = stringOf(headers?.["grpc-status"]);
      return writeHead(statusCode, headers);
    },
  });
  const write = response.write.bind(response) as unknown as (chunk: unknown, ...rest: unknown[]) => unknown;
  Object.defineProperty(response, "write", {
    configurable: true,
    value: (chunk: unknown, ...rest: unknown[]) => {
      if (chunk instanceof Uint8Array) lastChunk = chunk;
      return write(chunk, ...rest);
    },
  });
  const addTrailers = response.addTrailers.bind(response) as unknown as (trailers: Record<string, unknown>) => void;
  Object.defineProperty(response, "addTrailers", {
    configurable: true,
    value: (trailers: Record<string, unknown>) => {
      trailerStatus = stringOf(trailers["grpc-status"]);
      addTrailers(trailers);
    },
  });

  return () => (status === undefined ? Code.Unknown : codeOfAnswer(status, contentType, trailerStatus ?? headerStatus, lastChunk));
}

/**
 * The status of a sent answer: gRPC's `grpc-status`; for the Connect protocol, the error in its
 * end-of-stream message (streams) or its JSON body (unary calls); else the HTTP status's.
 */
export function codeOfAnswer(httpStatus: number, contentType: string, grpcStatus: string | undefined, lastChunk: Uint8Array | undefined): Code | 0 {
  if (/^application\/grpc(?:[+;]|$)/.test(contentType)) {
    const code = Number(grpcStatus);
    if (grpcStatus !== undefined && Number.isInteger(code) && code >= 0 && code <= 16) return code as Code | 0;
    return httpStatus === 200 ? Code.Unknown : codeFromHttpStatus(httpStatus);
  }
  if (/^application\/connect\+/.test(contentType) && httpStatus === 200) {
    return codeOfEndStream(lastChunk);
  }
  if (httpStatus === 200) return 0;
  if (/^application\/json(?:;|$)/.test(contentType) && lastChunk !== undefined) {
    try {
      return errorFromJsonBytes(lastChunk, undefined, new ConnectError("", codeFromHttpStatus(httpStatus))).code;
    } catch {
      // Not a Connect error body: the HTTP status says what there is.
    }
  }
  return codeFromHttpStatus(httpStatus);
}

/** The status in a Connect stream's end-of-stream envelope (flags, 4-byte length, JSON), UNKNOWN when `chunk` is not one. */
function codeOfEndStream(chunk: Uint8Array | undefined): Code | 0 {
  if (chunk === undefined || chunk.byteLength < 5 || (chunk[0]! & endStreamFlag) === 0) return Code.Unknown;
  const length = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength).getUint32(1);
  if (5 + length > chunk.byteLength) return Code.Unknown;
  try {
    const endStream = endStreamFromJson(chunk.subarray(5, 5 + length));
    return endStream.error?.code ?? 0;
  } catch {
    return Code.Unknown;
  }
}

/** A header value as one string, when there is one. */
function stringOf(value: unknown): string | undefined {
  if (Array.isArray(value)) return value.length > 0 ? String(value[0]) : undefined;
  return value === undefined || value === null ? undefined : String(value);
}
