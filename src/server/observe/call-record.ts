// One finished call, as logs and statistics see it.
import type { Code } from "@connectrpc/connect";

/** What is known about a call once it has ended. */
export interface CallRecord {
  /** `package.Service/Method`. */
  readonly method: string;
  /** The instance name the request named, when it names one. */
  readonly instanceName?: string;
  /** A short description of what the call was about: digests or a resource name. */
  readonly subject: string;
  /** The gRPC status: 0 for OK. */
  readonly code: Code | 0;
  /** True when the policy refused the call (no service code ran). */
  readonly refused: boolean;
  /** Blob bytes received from the client. */
  readonly bytesIn: number;
  /** Blob bytes sent to the client. */
  readonly bytesOut: number;
  readonly milliseconds: number;
}

/** Receives every finished call. */
export type CallObserver = (record: CallRecord) => void;
