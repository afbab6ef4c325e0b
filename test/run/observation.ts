// Tests for src/run/observation.ts: the statistics file and the call log, and what happens when they cannot be written.
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import t from "tap";
import type { CallRecord } from "../../src/server/observe/call-record.js";
import { startObservation } from "../../src/run/observation.js";

const RECORD: CallRecord = { method: "build.bazel.remote.execution.v2.Capabilities/GetCapabilities", subject: "", code: 0, refused: false, bytesIn: 0, bytesOut: 0, milliseconds: 1 };

/** A stderr stand-in that keeps what was written. */
function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

t.test("the JSON report is written at the end", async (t) => {
  const path = join(t.testdir({}), "s.json");
  const stderr = capture();
  const observation = await startObservation({ verbose: false, stats: false, statsJson: path }, stderr.stream);
  observation.observe?.(RECORD);
  await observation.finish();
  t.match(JSON.parse(await readFile(path, "utf8")), {});
  t.equal(stderr.text(), "");
});

t.test("a report that cannot be written is one line on stderr, and finish() still resolves", async (t) => {
  const dir = t.testdir({ sub: {} });
  const path = join(dir, "sub", "s.json");
  const stderr = capture();
  const observation = await startObservation({ verbose: false, stats: true, statsJson: path }, stderr.stream);
  observation.observe?.(RECORD);
  await rm(join(dir, "sub"), { recursive: true });
  await t.resolves(observation.finish());
  const lines = stderr.text().trimEnd().split("\n");
  t.equal(lines.at(-1), `bst-cas-run: --stats-json: cannot write ${path}: ENOENT: no such file or directory`);
  t.ok(lines.length > 1, "the --stats summary came first, as usual");
});

t.test("a log file that fails while the run goes on is reported once, and finish() still resolves", async (t) => {
  const stderr = capture();
  // Every write to /dev/full fails with ENOSPC, as on a full disk.
  const observation = await startObservation({ verbose: false, stats: false, logFile: "/dev/full" }, stderr.stream);
  for (let i = 0; i < 3; i++) {
    observation.observe?.(RECORD);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await t.resolves(observation.finish());
  t.equal(stderr.text(), "bst-cas-run: --log-file: cannot write /dev/full: ENOSPC: no space left on device\n");
});
