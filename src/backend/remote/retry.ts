// Retries upstream calls that are safe to repeat when the upstream is briefly UNAVAILABLE.
import { Code, ConnectError } from "@connectrpc/connect";
import { isConnectTimeout } from "./upstream-socket.js";

/** How many times a call is tried in all, and the first pause between tries. */
const ATTEMPTS = 4;
const FIRST_DELAY_MS = 100;

/**
 * Runs `call`, retrying with exponential backoff and jitter while it fails with UNAVAILABLE, but
 * not after a connection given up at the connect timeout: another try would wait as long again.
 * An abort during a pause ends it with the last failure, without another try; a pause leaves no
 * listener on `signal`.
 */
export async function withRetry<T>(call: () => Promise<T>, signal: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const retryable = error instanceof ConnectError && error.code === Code.Unavailable && !isConnectTimeout(error);
      if (!retryable || attempt >= ATTEMPTS || signal.aborted) throw error;
      await pause(FIRST_DELAY_MS * 2 ** (attempt - 1) * (0.5 + Math.random()), signal);
      if (signal.aborted) throw error;
    }
  }
}

/** Waits `ms`, or until `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
