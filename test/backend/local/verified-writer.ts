// Tests for src/backend/local/verified-writer.ts: writeVerified and checkDigest, straight on a file handle.
import { createHash } from "node:crypto";
import { open, readFile } from "node:fs/promises";
import { join } from "node:path";
import t from "tap";
import { Code, ConnectError } from "@connectrpc/connect";
import { checkDigest, writeVerified } from "../../../src/backend/local/verified-writer.js";
import { EMPTY_BLOB_DIGEST } from "../../../src/policy/digest.js";

const HELLO = Buffer.from("hello world");
const H = createHash("sha256").update(HELLO).digest("hex");
const digest = { hash: H, sizeBytes: HELLO.length };
const signal = new AbortController().signal;

/** Runs writeVerified into a fresh file; returns the error (or undefined) and what the file holds. */
async function run(dir: string, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, d = digest, s = signal) {
  const path = join(dir, "blob");
  const file = await open(path, "wx");
  let error: unknown;
  try {
    await writeVerified(file, d, chunks, s);
  } catch (e) {
    error = e;
  } finally {
    await file.close();
  }
  return { error, written: await readFile(path) };
}

t.test("writeVerified", async (t) => {
  const cases: Array<{ name: string; chunks: Uint8Array[]; message?: string; written: string }> = [
    { name: "one chunk", chunks: [HELLO], written: "hello world" },
    { name: "several chunks with an empty one", chunks: [HELLO.subarray(0, 2), Buffer.alloc(0), HELLO.subarray(2)], written: "hello world" },
    { name: "wrong bytes", chunks: [Buffer.from("HELLO WORLD")], message: `blob ${H}/11: data hashes to ${createHash("sha256").update("HELLO WORLD").digest("hex")}`, written: "HELLO WORLD" },
    { name: "too short", chunks: [HELLO.subarray(0, 4)], message: `blob ${H}/11: received 4 bytes, the digest says 11`, written: "hell" },
    { name: "too long stops before writing the excess", chunks: [HELLO.subarray(0, 6), HELLO.subarray(6), Buffer.from("!")], message: `blob ${H}/11: received more than 11 bytes`, written: "hello world" },
    { name: "too long in the first chunk writes nothing", chunks: [Buffer.from("hello world!")], message: `blob ${H}/11: received more than 11 bytes`, written: "" },
  ];
  for (const c of cases) {
    t.test(c.name, async (t) => {
      const { error, written } = await run(t.testdir(), c.chunks);
      if (c.message === undefined) t.equal(error, undefined);
      else {
        t.equal(error instanceof ConnectError && error.code, Code.InvalidArgument);
        t.equal(error instanceof ConnectError && error.rawMessage, c.message);
      }
      t.equal(written.toString(), c.written);
    });
  }
});

t.test("writeVerified stops pulling chunks once the data runs over", async (t) => {
  let pulled = 0;
  async function* endless(): AsyncGenerator<Uint8Array> {
    for (;;) {
      pulled++;
      yield HELLO;
    }
  }
  const { error } = await run(t.testdir(), endless());
  t.equal(error instanceof ConnectError && error.code, Code.InvalidArgument);
  t.equal(pulled, 2, "the second chunk was the last one asked for");
});

t.test("writeVerified with an aborted signal throws the abort reason", async (t) => {
  const { error, written } = await run(t.testdir(), [HELLO], digest, AbortSignal.abort());
  t.equal((error as Error).name, "AbortError");
  t.equal(written.length, 0);
});

t.test("checkDigest", async (t) => {
  const cases: Array<{ name: string; size: number; hex: string; message?: string }> = [
    { name: "matching", size: 11, hex: H },
    { name: "size differs", size: 10, hex: H, message: `blob ${H}/11: received 10 bytes, the digest says 11` },
    { name: "hash differs", size: 11, hex: EMPTY_BLOB_DIGEST.hash, message: `blob ${H}/11: data hashes to ${EMPTY_BLOB_DIGEST.hash}` },
    { name: "upper-case hex is a different hash", size: 11, hex: H.toUpperCase(), message: `blob ${H}/11: data hashes to ${H.toUpperCase()}` },
    { name: "both differ: size reported first", size: 0, hex: EMPTY_BLOB_DIGEST.hash, message: `blob ${H}/11: received 0 bytes, the digest says 11` },
  ];
  for (const c of cases) {
    t.test(c.name, async (t) => {
      let error: unknown;
      try {
        checkDigest(digest, c.size, c.hex);
      } catch (e) {
        error = e;
      }
      if (c.message === undefined) return void t.equal(error, undefined);
      t.equal(error instanceof ConnectError && error.code, Code.InvalidArgument);
      t.equal(error instanceof ConnectError && error.rawMessage, c.message);
    });
  }
});
