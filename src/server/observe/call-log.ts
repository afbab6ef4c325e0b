// Writes one line per call for -v and --log-file.
import type { Writable } from "node:stream";
import type { CallObserver } from "./call-record.js";
import { codeName } from "./call-stats.js";

/** An observer that writes `time method instance subject status bytes ms` lines to `out`. */
export function createCallLog(out: Writable): CallObserver {
  return (record) => {
    const fields = [
      new Date().toISOString(),
      record.method,
      `instance=${JSON.stringify(record.instanceName ?? "")}`,
      record.subject,
      record.refused ? `${codeName(record.code)}(policy)` : codeName(record.code),
      `in=${record.bytesIn}`,
      `out=${record.bytesOut}`,
      `ms=${record.milliseconds.toFixed(1)}`,
    ];
    out.write(`${fields.join(" ")}\n`);
  };
}
