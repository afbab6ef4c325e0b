// Tests for src/backend/local/write-chunk.ts: a chunk of several buffers lands whole, at its position, however short the writes come.
import { mkdtemp, open, readFile, rm } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import t from "tap";
import { writeChunk } from "../../../src/backend/local/write-chunk.js";

t.test("one buffer, several buffers and empty ones, appended and at positions", async (t) => {
  const dir = await mkdtemp("/tmp/bcr-wc-");
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, "f");
  const file = await open(path, "w+");
  try {
    t.equal(await writeChunk(file, Buffer.from("ab")), 2);
    t.equal(await writeChunk(file, [Buffer.from("cd"), Buffer.alloc(0), Buffer.from("efg")]), 5);
    t.equal(await writeChunk(file, []), 0, "an empty chunk writes nothing");
    t.equal(await writeChunk(file, [Buffer.from("XY"), Buffer.from("Z")], 1), 3, "at a position");
  } finally {
    await file.close();
  }
  t.equal(await readFile(path, "utf8"), "aXYZefg");
});

t.test("short writes are continued from where they stopped", async (t) => {
  // A stand-in FileHandle whose writes take at most 3 bytes: a real file on a local disk does not
  // come up short on demand.
  const written: number[] = [];
  const take = (buffers: readonly Uint8Array[], position: number | null | undefined) => {
    const bytes = Buffer.concat(buffers).subarray(0, 3);
    let at = typeof position === "number" ? position : written.length;
    for (const byte of bytes) written[at++] = byte;
    return { bytesWritten: bytes.byteLength };
  };
  const file = {
    write: async (buffer: Uint8Array, offset: number, length: number, position: number | null) => take([buffer.subarray(offset, offset + length)], position),
    writev: async (buffers: Uint8Array[], position?: number) => take(buffers, position),
  } as unknown as FileHandle;
  await writeChunk(file, [Buffer.from("hello"), Buffer.from(" "), Buffer.from("world")], 0);
  t.equal(Buffer.from(written).toString(), "hello world");
});
