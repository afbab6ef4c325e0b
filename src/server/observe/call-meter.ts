// What one call is about and how much it moved, kept while it runs and reported once when it ends: shared by the Connect interceptor and the lean gRPC path.
import type { Message } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { isCallStatus } from "../status-of.js";
import type { CallObserver } from "./call-record.js";
import { instanceNameOf, payloadBytes, subjectOf } from "./message-facts.js";

/** Meters one call of `method` (`package.Service/Method`) for `observe`, timed from its construction. */
export class CallMeter {
  #subject = "-";
  #instanceName: string | undefined;
  #bytesIn = 0;
  #bytesOut = 0;
  #finished = false;
  readonly #started = performance.now();

  constructor(
    private readonly method: string,
    private readonly observe: CallObserver,
  ) {}

  /** A request message: names the call (from the first) and counts its blob bytes in. */
  noteRequest(message: Message): void {
    if (this.#subject === "-") this.#subject = subjectOf(message);
    this.#instanceName ??= instanceNameOf(message);
    this.#bytesIn += payloadBytes(message);
  }

  /** A response message: counts its blob bytes out. */
  noteResponse(message: Message): void {
    this.#bytesOut += payloadBytes(message);
  }

  /** Blob bytes received outside a decoded message (data left in the chunks it arrived in). */
  countIn(bytes: number): void {
    this.#bytesIn += bytes;
  }

  /** Blob bytes sent without a decoded message (frames passed on as they are). */
  countOut(bytes: number): void {
    this.#bytesOut += bytes;
  }

  /** Reports the call, once: OK when `error` is undefined, else its code (UNKNOWN for anything not a ConnectError or a StatusError). */
  finish(error: unknown): void {
    if (this.#finished) return;
    this.#finished = true;
    this.observe({
      method: this.method,
      ...(this.#instanceName !== undefined ? { instanceName: this.#instanceName } : {}),
      subject: this.#subject,
      code: error === undefined ? 0 : isCallStatus(error) ? error.code : Code.Unknown,
      refused: false,
      bytesIn: this.#bytesIn,
      bytesOut: this.#bytesOut,
      milliseconds: performance.now() - this.#started,
    });
  }
}
