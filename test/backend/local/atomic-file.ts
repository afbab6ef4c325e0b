// Tests for src/backend/local/atomic-file.ts: a file appears whole or not at all, also through LocalStore writes that abort; durable writes flush before the rename.
import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import t from "tap";
import { create } from "@bufbuild/protobuf";
import { writeFileAtomically } from "../../../src/backend/local/atomic-file.js";
import { openLocalStore } from "../../../src/backend/local/local-store.js";
import { ActionResultSchema } from "../../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";

const HELLO = Buffer.from("hello world");
const helloDigest = { hash: createHash("sha256").update(HELLO).digest("hex"), sizeBytes: HELLO.length };
const failure = (work: Promise<unknown>): Promise<unknown> => work.then(() => new Error("did not fail"), (e: unknown) => e);
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => !e.isDirectory()).map((e) => join(e.parentPath ?? e.path, e.name)).sort();
}

t.test("writeFileAtomically", async (t) => {
  const cases: Array<{ name: string; existing?: string; fails: boolean; expected: string | undefined }> = [
    { name: "new file", fails: false, expected: "new" },
    { name: "replaces an existing file", existing: "old", fails: false, expected: "new" },
    { name: "fill throws, nothing created", fails: true, expected: undefined },
    { name: "fill throws, existing file kept", existing: "old", fails: true, expected: "old" },
  ];
  for (const c of cases) {
    t.test(c.name, async (t) => {
      const dir = t.testdir({ tmp: {}, ...(c.existing !== undefined ? { out: { final: c.existing } } : {}) });
      const temp = join(dir, "tmp", "x.tmp"), final = join(dir, "out", "final");
      const error = await failure(writeFileAtomically(temp, final, async (file) => {
        await file.writeFile("new");
        if (c.fails) throw new Error("fill failed");
      }));
      t.equal((error as Error).message, c.fails ? "fill failed" : "did not fail");
      t.strictSame(await filesUnder(join(dir, "tmp")), [], "temp file gone");
      const content = await readFile(final, "utf8").catch(() => undefined);
      t.equal(content, c.expected);
      if (!c.fails) t.equal((await stat(final)).mode & 0o777, 0o444, "read-only");
    });
  }
});

t.test("a temp path that exists already is not clobbered or removed", async (t) => {
  const dir = t.testdir({ "x.tmp": "someone else's" });
  let filled = false;
  const error = await failure(writeFileAtomically(join(dir, "x.tmp"), join(dir, "final"), async () => {
    filled = true;
  }));
  t.equal((error as NodeJS.ErrnoException).code, "EEXIST");
  t.equal(filled, false);
  t.equal(await readFile(join(dir, "x.tmp"), "utf8"), "someone else's");
  t.strictSame(await filesUnder(dir), [join(dir, "x.tmp")]);
});

t.test("a LocalStore write that is aborted leaves nothing behind", async (t) => {
  const cases: Array<[string, number]> = [["before the first chunk", 0], ["mid-stream", 1], ["after the last chunk", 2]];
  for (const [name, abortAt] of cases) {
    t.test(`aborted ${name}`, async (t) => {
      const store = await openLocalStore(join(t.testdir(), "store"));
      const controller = new AbortController();
      async function* source(): AsyncGenerator<Uint8Array> {
        for (const [i, chunk] of [HELLO.subarray(0, 5), HELLO.subarray(5)].entries()) {
          if (i === abortAt) controller.abort();
          yield chunk;
        }
        if (abortAt === 2) controller.abort();
      }
      const error = await failure(store.writeBlob(helloDigest, source(), controller.signal));
      t.equal((error as Error).name, "AbortError");
      t.strictSame(await filesUnder(store.layout.casDir), [], "nothing in cas/");
      t.strictSame(await filesUnder(store.layout.tmpDir), [], "nothing in tmp/");
      t.equal(await store.hasBlob(helloDigest), false);
    });
  }
  t.test("already aborted, blob already present: refused, blob kept", async (t) => {
    const store = await openLocalStore(join(t.testdir(), "store"));
    await store.writeBlob(helloDigest, [HELLO], new AbortController().signal);
    const error = await failure(store.writeBlob(helloDigest, [HELLO], AbortSignal.abort()));
    t.equal((error as Error).name, "AbortError");
    t.equal(await store.hasBlob(helloDigest), true);
    t.strictSame(await filesUnder(store.layout.tmpDir), []);
  });
});

t.test("durable: the data is flushed to disk before the name appears; otherwise no flush", async (t) => {
  for (const durable of [true, false]) {
    const steps: string[] = [];
    const fsPromises = await import("node:fs/promises");
    const { writeFileAtomically: write } = await t.mockImport<typeof import("../../../src/backend/local/atomic-file.js")>(
      "../../../src/backend/local/atomic-file.js",
      {
        "node:fs/promises": {
          ...fsPromises,
          open: async (...args: Parameters<typeof fsPromises.open>) => {
            const handle = await fsPromises.open(...args);
            const datasync = handle.datasync.bind(handle);
            handle.datasync = async () => (steps.push("datasync"), datasync());
            return handle;
          },
          rename: async (from: string, to: string) => (steps.push("rename"), fsPromises.rename(from, to)),
        },
      },
    );
    const dir = t.testdir();
    await write(join(dir, `${durable}.tmp`), join(dir, `${durable}`), (file) => file.writeFile("entry"), { durable });
    t.strictSame(steps, durable ? ["datasync", "rename"] : ["rename"], `durable: ${durable}`);
    t.equal(await readFile(join(dir, `${durable}`), "utf8"), "entry");
  }
});

t.test("LocalStore writes action-cache entries durably (an empty entry would read as a result with no outputs)", async (t) => {
  const writes: Array<{ finalPath: string; durable: boolean }> = [];
  const atomic = await import("../../../src/backend/local/atomic-file.js");
  const { openLocalStore: open } = await t.mockImport<typeof import("../../../src/backend/local/local-store.js")>(
    "../../../src/backend/local/local-store.js",
    {
      "../../../src/backend/local/atomic-file.js": {
        writeFileAtomically: (...args: Parameters<typeof atomic.writeFileAtomically>) => {
          writes.push({ finalPath: args[1], durable: args[3]?.durable === true });
          return atomic.writeFileAtomically(...args);
        },
      },
    },
  );
  const store = await open(join(t.testdir(), "store"));
  await store.updateActionResult(helloDigest, create(ActionResultSchema, { exitCode: 1 }), new AbortController().signal);
  const entries = writes.filter((write) => write.finalPath.startsWith(store.layout.acDir));
  t.equal(entries.length, 1, "one action-cache entry written");
  t.equal(entries[0]?.durable, true);
  t.equal((await store.getActionResult(helloDigest, new AbortController().signal))?.exitCode, 1);
});
