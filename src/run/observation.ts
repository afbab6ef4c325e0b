// Sets up the per-call log and statistics a run asked for, and reports them at the end.
import { createWriteStream, type WriteStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import type { CallObserver } from "../server/observe/call-record.js";
import { createCallLog } from "../server/observe/call-log.js";
import { CallStats } from "../server/observe/call-stats.js";
import type { Observability } from "./run-options.js";
import { ToolError } from "./tool-error.js";

/** The observer to give the server, and how to finish. */
export interface Observation {
  /** Undefined when nothing was asked for, so the server skips the bookkeeping. */
  readonly observe: CallObserver | undefined;
  /** Writes the summary and JSON report, and closes the log file. */
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
    file = await openLog(options.logFile);
    observers.push(createCallLog(file));
  }
  const observe: CallObserver | undefined =
    observers.length === 0 ? undefined : (record) => observers.forEach((observer) => observer(record));
  return {
    observe,
    async finish() {
      if (file !== undefined) await new Promise<void>((resolve) => file.end(() => resolve()));
      if (stats === undefined) return;
      if (options.stats) stderr.write(stats.summary());
      if (options.statsJson !== undefined) {
        await writeFile(options.statsJson, `${JSON.stringify(stats.report, null, 2)}\n`);
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
