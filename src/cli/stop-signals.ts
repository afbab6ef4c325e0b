// The signals that stop `serve` (SIGINT, SIGTERM, SIGHUP): waiting for the first, and catching another during the stop.
import { FORWARDED_SIGNALS } from "../sandbox/child-exit.js";

/** The signals that ask a server to stop (interrupt, terminate, the terminal closing): those a run passes on to its command. */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = FORWARDED_SIGNALS;

/** Where signals arrive: the process, or a stand-in in tests. */
export interface SignalEmitter {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

/**
 * Calls `handler` with each stop signal that arrives until the returned function is called,
 * which removes the listeners. While they are installed, the signals do not end the process.
 */
function onStopSignals(handler: (signal: NodeJS.Signals) => void, source: SignalEmitter = process): () => void {
  const listener = (signal: NodeJS.Signals): void => handler(signal);
  for (const signal of STOP_SIGNALS) source.on(signal, listener);
  return () => {
    for (const signal of STOP_SIGNALS) source.off(signal, listener);
  };
}

/** What {@link stopOnSignal} reports, and how a forced exit is done. */
export interface StopHooks {
  /** The first stop signal arrived; `stop` is about to run. */
  stopping(signal: NodeJS.Signals): void;
  /**
   * Another stop signal arrived while `stop` ran: end now. Called with the listeners already
   * removed, so raising the signal again ends the process by it, as the signal's default would.
   */
  force(signal: NodeJS.Signals): void;
}

/**
 * Waits for the first stop signal, then runs `stop`; a stop signal that arrives while `stop`
 * runs calls `hooks.force`. The same listeners watch from the call until `stop` is done (or
 * forced), so no stop signal in between finds the process without one. Resolves with the first
 * signal once `stop` is done, every listener removed.
 */
export function stopOnSignal(stop: () => Promise<void>, hooks: StopHooks, source: SignalEmitter = process): Promise<NodeJS.Signals> {
  return new Promise((resolve, reject) => {
    let first: NodeJS.Signals | undefined;
    const remove = onStopSignals((signal) => {
      if (first !== undefined) {
        remove();
        hooks.force(signal);
        return;
      }
      first = signal;
      hooks.stopping(signal);
      const stopped = (async () => stop())();
      stopped.then(
        () => {
          remove();
          resolve(signal);
        },
        (error: unknown) => {
          remove();
          reject(error);
        },
      );
    }, source);
  });
}
