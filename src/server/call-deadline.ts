// The deadline a client puts on a call (gRPC's grpc-timeout, Connect's connect-timeout-ms), kept within what a timer can hold.
import type { IncomingHttpHeaders } from "node:http";

/**
 * The longest delay a Node timer holds: 2^31-1 ms, about 24.8 days. A longer one fires after
 * 1 ms, so a client asking for a long deadline would see its call fail at once.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** gRPC's timeout header; at most 8 digits, then a unit. */
export const GRPC_TIMEOUT_HEADER = "grpc-timeout";
/** Connect's timeout header (the Connect protocol); at most 10 digits of milliseconds. */
export const CONNECT_TIMEOUT_HEADER = "connect-timeout-ms";

const UNIT_MS: Readonly<Record<string, number>> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/** gRPC's `grpc-timeout` header (e.g. `10S`, `500m`) in milliseconds; undefined when absent or malformed. */
export function grpcTimeoutMs(header: string | string[] | undefined): number | undefined {
  if (typeof header !== "string") return undefined;
  const match = /^(\d{1,8})([HMSmun])$/.exec(header);
  if (match === null) return undefined;
  return Number(match[1]) * (UNIT_MS[match[2] as string] as number);
}

/** Connect's `connect-timeout-ms` header in milliseconds; undefined when absent or malformed. */
export function connectTimeoutMs(header: string | string[] | undefined): number | undefined {
  return typeof header === "string" && /^\d{1,10}$/.test(header) ? Number(header) : undefined;
}

/**
 * The delay of the timer that ends a call whose client gave it `timeoutMs`: undefined, no
 * deadline, when the timeout is longer than a timer holds ({@link MAX_TIMER_MS}); the call
 * cannot outlive it by any measure that matters.
 */
export function deadlineTimerMs(timeoutMs: number): number | undefined {
  return timeoutMs > MAX_TIMER_MS ? undefined : timeoutMs;
}

/**
 * Removes from `headers` a well-formed timeout longer than a timer holds, so that Connect, which
 * sets its timer from it as it is, serves the call without a deadline instead of failing it with
 * DEADLINE_EXCEEDED a millisecond later. Malformed values are left for Connect to refuse.
 */
export function dropUnholdableTimeouts(headers: IncomingHttpHeaders): void {
  const grpc = grpcTimeoutMs(headers[GRPC_TIMEOUT_HEADER]);
  if (grpc !== undefined && deadlineTimerMs(grpc) === undefined) delete headers[GRPC_TIMEOUT_HEADER];
  const connect = connectTimeoutMs(headers[CONNECT_TIMEOUT_HEADER]);
  if (connect !== undefined && deadlineTimerMs(connect) === undefined) delete headers[CONNECT_TIMEOUT_HEADER];
}
