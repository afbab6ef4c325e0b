// Sets up the per-call log and statistics a run asked for, and reports them at the end.
import { createWriteStream, type WriteStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import { finished } from "node:stream/promises";
import type { CallObserver } from "../server/observe/call-record.js";
import { createCallLog } from "../server/observe/call-log.js";
import { CallStats } from "../server/observe/call-stats.js";
import { errorReason } from "../util/error-reason.js";
import type { Observability } from "./run-options.js";
import { ToolError } from "./tool-error.js";

/** The observer to give the server, and how to finish. */
export interface Observation {
  /** Undefined when nothing was asked for, so the server skips the bookkeeping. */
  readonly observe: CallObserver | undefined;
  /**
   * Writes the summary and JSON report, and closes the log file. Never rejects: a report or log
   * that cannot be written is one line on stderr, and the run keeps its command's exit status.
   */
  finish(): Promise<void>;
}

/** Opens what `options` asks for: a stderr log, a log file, statistics. */
export async function startObservation(options: Observability, stderr: NodeJS.WritableStream): Promise<Observation> {
  const observers: CallObserver[] = [];
  const stats = options.stats || options.statsJson !== undefined ? new CallStats() : undefined;
  if (stats !== undefined) observers.push((record) => stats.add(record));
  if (options.verbose) observers.push(createCallLog(stderr as unknown as import("node:stream").Writable));
  let file: WriteStream | undefined;
  if (options.logFile !== undefined) {
    const path = options.logFile;
    file = await openLog(path);
    // A write that fails later (disk full, file system gone) is reported once; the run goes on.
    let reported = false;
    file.on("error", (error) => {
      if (!reported) stderr.write(`bst-cas-run: --log-file: cannot write ${path}: ${errorReason(error)}\n`);
      reported = true;
    });
    observers.push(createCallLog(file));
  }
  const observe: CallObserver | undefined =
    observers.length === 0 ? undefined : (record) => observers.forEach((observer) => observer(record));
  return {
    observe,
    async finish() {
      if (file !== undefined) {
        if (!file.destroyed) file.end();
        // Until the log is flushed or has failed: its error listener has reported a failure by then.
        await finished(file).catch(() => undefined);
      }
      if (stats === undefined) return;
      if (options.stats) stderr.write(stats.summary());
      if (options.statsJson !== undefined) {
        try {
          await writeFile(options.statsJson, `${JSON.stringify(stats.report, null, 2)}\n`);
        } catch (error) {
          stderr.write(`bst-cas-run: --stats-json: cannot write ${options.statsJson}: ${errorReason(error)}\n`);
        }
      }
    },
  };
}

async function openLog(path: string): Promise<WriteStream> {
  const stream = createWriteStream(path, { flags: "a" });
  await new Promise<void>((resolve, reject) => {
    stream.once("open", () => resolve());
    stream.once("error", (error) => reject(new ToolError(`--log-file: cannot open ${path}: ${error.message}`, undefined, { cause: error })));
  });
  return stream;
}
