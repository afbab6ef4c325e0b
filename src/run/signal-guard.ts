// Holds SIGINT, SIGTERM and SIGHUP for a whole run (passed on to the command while it runs, remembered otherwise), and relays Ctrl-Z.
import { FORWARDED_SIGNALS, signalStatus, type SignalSource } from "../sandbox/child-exit.js";
import { ToolError } from "./tool-error.js";

/** This process's handling of the forwarded signals during one run. */
export interface SignalGuard {
  /** The first signal that arrived while no command was there to take it; undefined when none did. */
  readonly held: NodeJS.Signals | undefined;
  /** Aborts when a signal is held, so that what the run is waiting for (an upstream's answer) ends at once. */
  readonly interrupted: AbortSignal;
  /** Passes the signals to whoever subscribes (the launcher, while its command runs). */
  readonly source: SignalSource;
  /** Stops listening: Node's default actions apply again. */
  release(): void;
}

/**
 * Listens for SIGINT, SIGTERM and SIGHUP from now until `release()`, so that none of them ends
 * this process by Node's default action halfway through starting or tearing down a run. While a
 * launcher is subscribed, each signal goes to it (once); otherwise the first one is held, and
 * the run acts on it where it can: no command is started, and the run ends with 128+N.
 *
 * Job control too: the command runs in a session of its own, out of reach of the terminal's
 * Ctrl-Z, so on SIGTSTP the command is sent SIGSTOP and this process stops itself, and on
 * SIGCONT (the shell's `fg` or `bg`) the command is continued with it.
 */
export function guardSignals(): SignalGuard {
  let held: NodeJS.Signals | undefined;
  let forward: ((signal: NodeJS.Signals) => void) | undefined;
  const interruption = new AbortController();
  const listener = (signal: NodeJS.Signals): void => {
    if (forward !== undefined) {
      forward(signal);
      return;
    }
    held ??= signal;
    interruption.abort(new ToolError(`stopped by ${held} before the command started`, signalStatus(held)));
  };
  const stop = (): void => {
    forward?.("SIGSTOP");
    process.kill(process.pid, "SIGSTOP");
  };
  const resume = (): void => forward?.("SIGCONT");
  for (const signal of FORWARDED_SIGNALS) process.on(signal, listener);
  process.on("SIGTSTP", stop);
  process.on("SIGCONT", resume);
  return {
    get held() {
      return held;
    },
    interrupted: interruption.signal,
    source: (subscriber) => {
      forward = subscriber;
      return () => {
        if (forward === subscriber) forward = undefined;
      };
    },
    release: () => {
      for (const signal of FORWARDED_SIGNALS) process.off(signal, listener);
      process.off("SIGTSTP", stop);
      process.off("SIGCONT", resume);
    },
  };
}

