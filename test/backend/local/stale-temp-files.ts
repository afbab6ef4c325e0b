// Tests for src/backend/local/stale-temp-files.ts (with process-alive, store-scan): leftovers go, files a live writer may use stay.
import { spawnSync } from "node:child_process";
import { readdir, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import t from "tap";
import { isProcessAlive } from "../../../src/backend/local/process-alive.js";
import { openLocalStore } from "../../../src/backend/local/local-store.js";
import { removeStaleTempFiles } from "../../../src/backend/local/stale-temp-files.js";
import { storeLayout } from "../../../src/backend/local/store-layout.js";
import { classifyTempName, tempPath, uploadPath } from "../../../src/backend/local/temp-names.js";

const HOUR = 3600;
const deadPid = (): number => spawnSync("true").pid as number;

t.test("isProcessAlive", async (t) => {
  t.equal(isProcessAlive(process.pid), true, "this process");
  t.equal(isProcessAlive(1), true, "init (another user's: EPERM or ours as root)");
  t.equal(isProcessAlive(deadPid()), false, "a process that has exited");
});

t.test("classifyTempName", async (t) => {
  const layout = storeLayout("/s");
  t.strictSame(classifyTempName(tempPath(layout, "ab").slice("/s/tmp/".length)), { kind: "temp", pid: process.pid });
  t.strictSame(classifyTempName(uploadPath(layout, "uploads/u/blobs/x/1").slice("/s/tmp/".length)), { kind: "upload" });
  for (const name of ["notes.txt", "a.0.aaaaaaaaaaaa.tmp", "a.12.short.tmp", "upload-zz.partial"]) {
    t.strictSame(classifyTempName(name), { kind: "unknown" }, name);
  }
  t.equal(uploadPath(layout, "a"), uploadPath(layout, "a"), "one upload name, one file");
  t.not(uploadPath(layout, "a"), uploadPath(layout, "b"));
});

t.test("what is removed and what stays", async (t) => {
  const root = t.testdir({ tmp: {} });
  const layout = storeLayout(root);
  const dead = deadPid();
  const now = Date.now() / 1000;
  const files: Array<{ name: string; ageSeconds: number; removed: boolean; why: string }> = [
    { name: `${"a".repeat(64)}.${dead}.0123456789ab.tmp`, ageSeconds: 2 * HOUR, removed: true, why: "old, writer dead" },
    { name: `ac-${"b".repeat(64)}.${dead}.0123456789ab.tmp`, ageSeconds: 2 * HOUR, removed: true, why: "old AC temp, writer dead" },
    { name: `${"c".repeat(64)}.${dead}.0123456789ab.tmp`, ageSeconds: 60, removed: false, why: "recent, even with its writer dead" },
    { name: `${"d".repeat(64)}.${process.pid}.0123456789ab.tmp`, ageSeconds: 2 * HOUR, removed: false, why: "old but its writer lives" },
    { name: `upload-${"e".repeat(64)}.partial`, ageSeconds: 25 * HOUR, removed: true, why: "upload abandoned for a day" },
    { name: `upload-${"f".repeat(64)}.partial`, ageSeconds: 2 * HOUR, removed: false, why: "upload a client may resume" },
    { name: "someone-elses-file", ageSeconds: 100 * HOUR, removed: false, why: "a name the store does not make" },
  ];
  for (const file of files) {
    await writeFile(join(layout.tmpDir, file.name), "12345");
    await utimes(join(layout.tmpDir, file.name), now - file.ageSeconds, now - file.ageSeconds);
  }
  t.strictSame(await removeStaleTempFiles(layout), { files: 3, bytes: 15 });
  const left = new Set(await readdir(layout.tmpDir));
  for (const file of files) t.equal(!left.has(file.name), file.removed, file.why);
  t.strictSame(await removeStaleTempFiles(layout), { files: 0, bytes: 0 }, "a second pass finds nothing");
});

t.test("openLocalStore cleans up stale temp files, and only those", async (t) => {
  const root = t.testdir({ tmp: {} });
  const dead = deadPid();
  const old = `${"a".repeat(64)}.${dead}.0123456789ab.tmp`, fresh = `${"b".repeat(64)}.${dead}.0123456789ab.tmp`;
  for (const name of [old, fresh]) await writeFile(join(root, "tmp", name), "x");
  await utimes(join(root, "tmp", old), 1000, 1000);
  await openLocalStore(root);
  t.strictSame(await readdir(join(root, "tmp")), [fresh]);
});
