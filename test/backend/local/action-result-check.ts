// Tests for src/backend/local/action-result-check.ts and referenced-blobs.ts: an action result is usable only when every blob below it is stored.
import { createHash } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import t from "tap";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { openLocalStore, type LocalStore } from "../../../src/backend/local/local-store.js";
import { checkActionResultBlobs } from "../../../src/backend/local/action-result-check.js";
import { referencedBlobs, treeFileBlobs } from "../../../src/backend/local/referenced-blobs.js";
import { actionResultPath, blobPath } from "../../../src/backend/local/store-layout.js";
import {
  ActionResultSchema,
  DirectorySchema,
  TreeSchema,
  type ActionResult,
} from "../../../src/gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import type { BlobDigest } from "../../../src/policy/digest.js";

const signal = new AbortController().signal;
const digestOf = (data: Uint8Array): BlobDigest => ({ hash: createHash("sha256").update(data).digest("hex"), sizeBytes: data.byteLength });
const wire = (d: BlobDigest) => ({ hash: d.hash, sizeBytes: BigInt(d.sizeBytes) });
const codeOf = (work: Promise<unknown>): Promise<Code | string> =>
  work.then(() => "resolved", (error: unknown) => (error instanceof ConnectError ? error.code : String(error)));

const fileA = Buffer.from("file a"), fileB = Buffer.from("file b in a child directory"), fileC = Buffer.from("file c, deep");
// A Tree: root holds a and a child directory holding b.
const child = create(DirectorySchema, { files: [{ name: "b", digest: wire(digestOf(fileB)) }] });
const childBytes = Buffer.from(toBinary(DirectorySchema, child));
const treeBytes = Buffer.from(toBinary(TreeSchema, create(TreeSchema, {
  root: { files: [{ name: "a", digest: wire(digestOf(fileA)) }], directories: [{ name: "sub", digest: wire(digestOf(childBytes)) }] },
  children: [child],
})));
// A Directory hierarchy stored as separate blobs: top -> mid -> c.
const midBytes = Buffer.from(toBinary(DirectorySchema, create(DirectorySchema, { files: [{ name: "c", digest: wire(digestOf(fileC)) }] })));
const topBytes = Buffer.from(toBinary(DirectorySchema, create(DirectorySchema, {
  files: [{ name: "a", digest: wire(digestOf(fileA)) }],
  directories: [{ name: "mid", digest: wire(digestOf(midBytes)) }],
})));
const action = digestOf(Buffer.from("the action"));
const ALL = { fileA, fileB, fileC, treeBytes, midBytes, topBytes };

async function storeWith(dir: string, blobs: Buffer[]): Promise<LocalStore> {
  const store = await openLocalStore(dir);
  for (const data of blobs) await store.writeBlob(digestOf(data), [data], signal);
  return store;
}
const withTree = (): ActionResult => create(ActionResultSchema, { outputDirectories: [{ path: "out", treeDigest: wire(digestOf(treeBytes)) }] });
const withRoot = (): ActionResult => create(ActionResultSchema, { outputDirectories: [{ path: "out", rootDirectoryDigest: wire(digestOf(topBytes)) }] });

t.test("referencedBlobs and treeFileBlobs", async (t) => {
  const result = create(ActionResultSchema, {
    outputFiles: [{ path: "f", digest: wire(digestOf(fileA)) }],
    outputDirectories: [{ path: "d", treeDigest: wire(digestOf(treeBytes)), rootDirectoryDigest: wire(digestOf(topBytes)) }],
    stdoutDigest: wire(digestOf(fileB)),
  });
  t.strictSame(referencedBlobs(result), [digestOf(fileA), digestOf(treeBytes), digestOf(topBytes), digestOf(fileB)]);
  t.strictSame(treeFileBlobs(create(TreeSchema, { root: { files: [{ name: "a", digest: wire(digestOf(fileA)) }] }, children: [child] })),
    [digestOf(fileA), digestOf(fileB)], "files of the root and of every child");
  const bad = create(ActionResultSchema, { outputFiles: [{ path: "f", digest: { hash: "XYZ", sizeBytes: 1n } }] });
  t.throws(() => referencedBlobs(bad), /output file f/, "a malformed digest is refused");
});

t.test("UpdateActionResult needs every blob below the result", async (t) => {
  const cases: Array<{ name: string; result: () => ActionResult; stored: Buffer[]; code: Code | "resolved" }> = [
    { name: "a Tree and all its files", result: withTree, stored: [treeBytes, fileA, fileB], code: "resolved" },
    { name: "the Tree blob missing", result: withTree, stored: [fileA, fileB], code: Code.FailedPrecondition },
    { name: "a file in the Tree's root missing", result: withTree, stored: [treeBytes, fileB], code: Code.FailedPrecondition },
    { name: "a file in a Tree child missing", result: withTree, stored: [treeBytes, fileA], code: Code.FailedPrecondition },
    { name: "a Tree blob that is no Tree", result: () => create(ActionResultSchema, { outputDirectories: [{ path: "o", treeDigest: wire(digestOf(Buffer.from([0xff, 0xff]))) }] }), stored: [Buffer.from([0xff, 0xff])], code: Code.InvalidArgument },
    { name: "a root Directory and everything below", result: withRoot, stored: [topBytes, midBytes, fileA, fileC], code: "resolved" },
    { name: "the root Directory missing", result: withRoot, stored: [midBytes, fileA, fileC], code: Code.FailedPrecondition },
    { name: "a subdirectory blob missing", result: withRoot, stored: [topBytes, fileA, fileC], code: Code.FailedPrecondition },
    { name: "a file two levels down missing", result: withRoot, stored: [topBytes, midBytes, fileA], code: Code.FailedPrecondition },
  ];
  for (const c of cases) {
    t.test(c.name, async (t) => {
      const store = await storeWith(t.testdir(), c.stored);
      t.equal(await codeOf(store.updateActionResult(action, c.result(), signal)), c.code);
      t.equal((await store.getActionResult(action, signal)) !== undefined, c.code === "resolved", "stored only when complete");
    });
  }
});

t.test("GetActionResult misses once any blob below the result is gone", async (t) => {
  for (const [name, gone] of Object.entries(ALL)) {
    t.test(`${name} removed`, async (t) => {
      const store = await storeWith(t.testdir(), Object.values(ALL));
      const both = create(ActionResultSchema, { outputDirectories: [...withTree().outputDirectories, ...withRoot().outputDirectories] });
      await store.updateActionResult(action, both, signal);
      t.not(await store.getActionResult(action, signal), undefined, "a hit while everything is there");
      await rm(blobPath(store.layout, digestOf(gone)));
      t.equal(await store.getActionResult(action, signal), undefined, "a miss after");
      t.strictSame((await checkActionResultBlobs(store, both, signal)).missing.length > 0, true, "the check names what is missing");
    });
  }
});

t.test("a damaged action-cache entry is a miss, not an error", async (t) => {
  const store = await storeWith(t.testdir(), []);
  const path = actionResultPath(store.layout, action);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, Buffer.from([0x0a, 0xff, 0xff, 0xff]));
  t.equal(await store.getActionResult(action, signal), undefined);
});
