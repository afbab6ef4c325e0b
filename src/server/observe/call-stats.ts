// Counts calls for the --stats summary and the --stats-json report.
import { Code } from "@connectrpc/connect";
import type { CallRecord } from "./call-record.js";

/** Counts for one method. */
export interface MethodStats {
  calls: number;
  /** Calls that ended with a status other than OK, by status name. */
  errors: Record<string, number>;
  refused: number;
  bytesIn: number;
  bytesOut: number;
}

/** The whole report, as written by --stats-json. */
export interface StatsReport {
  calls: number;
  refused: number;
  actionCache: { hits: number; misses: number };
  bytesIn: number;
  bytesOut: number;
  methods: Record<string, MethodStats>;
}

const GET_ACTION_RESULT = "build.bazel.remote.execution.v2.ActionCache/GetActionResult";

/** Accumulates {@link CallRecord}s. */
export class CallStats {
  readonly report: StatsReport = {
    calls: 0,
    refused: 0,
    actionCache: { hits: 0, misses: 0 },
    bytesIn: 0,
    bytesOut: 0,
    methods: {},
  };

  /** Adds one call. */
  add(record: CallRecord): void {
    const report = this.report;
    const method = (report.methods[record.method] ??= { calls: 0, errors: {}, refused: 0, bytesIn: 0, bytesOut: 0 });
    report.calls++;
    method.calls++;
    if (record.refused) {
      report.refused++;
      method.refused++;
    }
    if (record.code !== 0) {
      const name = codeName(record.code);
      method.errors[name] = (method.errors[name] ?? 0) + 1;
    }
    method.bytesIn += record.bytesIn;
    method.bytesOut += record.bytesOut;
    report.bytesIn += record.bytesIn;
    report.bytesOut += record.bytesOut;
    if (record.method === GET_ACTION_RESULT) {
      if (record.code === 0) report.actionCache.hits++;
      else if (record.code === Code.NotFound) report.actionCache.misses++;
    }
  }

  /** A few human-readable lines for stderr. */
  summary(): string {
    const { calls, refused, actionCache, bytesIn, bytesOut, methods } = this.report;
    const lines = [
      `bst-cas-run: ${calls} calls, ${refused} refused; action cache ${actionCache.hits} hits, ${actionCache.misses} misses; ${bytesIn} bytes in, ${bytesOut} bytes out`,
    ];
    for (const [name, method] of Object.entries(methods).sort(([a], [b]) => a.localeCompare(b))) {
      const errors = Object.entries(method.errors).map(([code, count]) => `${code} ${count}`).join(", ");
      lines.push(`bst-cas-run:   ${name}: ${method.calls}${errors ? ` (${errors})` : ""}`);
    }
    return `${lines.join("\n")}\n`;
  }
}

/** The gRPC name of a status code, e.g. PERMISSION_DENIED. */
export function codeName(code: Code | 0): string {
  if (code === 0) return "OK";
  return (Code[code] ?? String(code)).replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}
