// The transfer meter: silent off a terminal and for quick transfers, bytes/rate/ETA on one line otherwise.
import t from "tap";
import { formatBytes, formatDuration, formatProgress, startProgress } from "../../src/client/progress.js";

t.test("formatting", async (t) => {
  t.equal(formatBytes(0), "0 B");
  t.equal(formatBytes(1023), "1023 B");
  t.equal(formatBytes(1536), "1.5 KiB");
  t.equal(formatBytes(256 * 1024 * 1024), "256.0 MiB");
  t.equal(formatDuration(5), "0:05");
  t.equal(formatDuration(61.2), "1:02");
  t.equal(formatDuration(3725), "1:02:05");
  const MiB = 1024 * 1024;
  t.equal(formatProgress("uploading", 10 * MiB, 100 * MiB, 2000), "uploading  10.0 MiB / 100.0 MiB (10%)  5.0 MiB/s  ETA 0:18");
  t.equal(formatProgress("downloading", 3 * MiB, undefined, 1000), "downloading  3.0 MiB  3.0 MiB/s", "no total: no percentage or ETA");
  t.equal(formatProgress("uploading", 100, 100, 1000), "uploading  100 B / 100 B (100%)  100 B/s", "done: no ETA");
});

const fakeStream = (isTTY: boolean) => {
  const written: string[] = [];
  return { stream: { isTTY, write: (text: string) => written.push(text) }, written };
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

t.test("not a terminal: nothing is written", async (t) => {
  const { stream, written } = fakeStream(false);
  const progress = startProgress({ label: "uploading", totalBytes: 10, stream, delayMs: 0, intervalMs: 5 });
  progress.add(5);
  await sleep(40);
  progress.finish();
  t.same(written, []);
});

t.test("a terminal: drawn after the delay, erased at the end", async (t) => {
  const { stream, written } = fakeStream(true);
  const progress = startProgress({ label: "uploading", totalBytes: 10, stream, delayMs: 0, intervalMs: 5 });
  progress.add(5);
  await sleep(40);
  progress.finish();
  t.ok(written.length >= 2, "drew at least once");
  t.match(written[0], /^\ruploading {2}5 B \/ 10 B \(50%\)/);
  t.equal(written.at(-1), "\r\u001b[K", "the line is erased");
});

t.test("a terminal, quick transfer: silent", async (t) => {
  const { stream, written } = fakeStream(true);
  const progress = startProgress({ label: "uploading", stream, delayMs: 10_000, intervalMs: 5 });
  progress.addTotal(10);
  progress.add(10);
  await sleep(30);
  progress.finish();
  t.same(written, [], "nothing drawn before the delay, so nothing to erase");
});
