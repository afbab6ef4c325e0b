// buildTree and collectPaths give the Directory digests an independent protobuf encoding of the same tree gives.
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { chmod, mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import t from "tap";
import { BlobSet } from "../../src/client/blob-set.js";
import { createLimiter } from "../../src/client/limit.js";
import { collectPaths } from "../../src/client/put-paths.js";
import { buildTree } from "../../src/client/tree-builder.js";

// A minimal protobuf writer, independent of protobuf-es: varints and length-delimited fields.
const varint = (value: number): Buffer => {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
};
const field = (number: number, payload: Buffer): Buffer => Buffer.concat([varint((number << 3) | 2), varint(payload.length), payload]);
const intField = (number: number, value: number): Buffer => (value === 0 ? Buffer.alloc(0) : Buffer.concat([varint(number << 3), varint(value)]));
const sha256 = (data: Buffer | string): string => createHash("sha256").update(data).digest("hex");

interface Digest {
  hash: string;
  size: number;
}
const digestMessage = (d: Digest): Buffer => Buffer.concat([field(1, Buffer.from(d.hash)), intField(2, d.size)]);
const blob = (content: string): Digest => ({ hash: sha256(content), size: Buffer.byteLength(content) });
const fileNode = (name: string, d: Digest, executable: boolean): Buffer =>
  Buffer.concat([field(1, Buffer.from(name)), field(2, digestMessage(d)), executable ? Buffer.from([0x20, 1]) : Buffer.alloc(0)]);
const dirNode = (name: string, d: Digest): Buffer => Buffer.concat([field(1, Buffer.from(name)), field(2, digestMessage(d))]);
const linkNode = (name: string, target: string): Buffer => Buffer.concat([field(1, Buffer.from(name)), field(2, Buffer.from(target))]);
/** A Directory message from nodes already in canonical order. */
const directory = (files: Buffer[], dirs: Buffer[], links: Buffer[]): Digest => {
  const bytes = Buffer.concat([...files.map((f) => field(1, f)), ...dirs.map((d) => field(2, d)), ...links.map((l) => field(3, l))]);
  return { hash: sha256(bytes), size: bytes.length };
};
const text = (d: Digest) => `${d.hash}/${d.size}`;
const asText = (d: { hash: string; sizeBytes: number }) => `${d.hash}/${d.sizeBytes}`;

t.test("a tree with nested and empty directories, executables, symlinks, an empty file and byte-ordered names", async (t) => {
  const top = join(t.testdir(), "tree");
  const astral = "\u{1F600}"; // UTF-8 F0 9F 98 80: after U+FF21 in byte order, before it in UTF-16 order.
  const fullwidth = "\uFF21"; // UTF-8 EF BC A1.
  await mkdir(join(top, "sub", "deeper"), { recursive: true });
  await mkdir(join(top, "empty"));
  await writeFile(join(top, "b.txt"), "bee\n");
  await writeFile(join(top, "B.txt"), "upper bee\n");
  await writeFile(join(top, astral), "smile");
  await writeFile(join(top, fullwidth), "wide");
  await writeFile(join(top, "zero"), "");
  await writeFile(join(top, "sub", "tool"), "#!/bin/sh\n");
  await chmod(join(top, "sub", "tool"), 0o744);
  await writeFile(join(top, "sub", "group-exec-only"), "g");
  await chmod(join(top, "sub", "group-exec-only"), 0o654);
  await writeFile(join(top, "sub", "deeper", "b.txt"), "bee\n");
  await symlink("b.txt", join(top, "link"));
  await symlink("/absolute/target", join(top, "sub", "abs"));
  await symlink("../empty", join(top, "sub", "dirlink"));
  execFileSync("mkfifo", [join(top, "sub", "fifo")]);

  const deeper = directory([fileNode("b.txt", blob("bee\n"), false)], [], []);
  const empty = directory([], [], []);
  const sub = directory(
    [fileNode("group-exec-only", blob("g"), false), fileNode("tool", blob("#!/bin/sh\n"), true)],
    [dirNode("deeper", deeper)],
    [linkNode("abs", "/absolute/target"), linkNode("dirlink", "../empty")],
  );
  const root = directory(
    [
      fileNode("B.txt", blob("upper bee\n"), false),
      fileNode("b.txt", blob("bee\n"), false),
      fileNode("zero", blob(""), false),
      fileNode(fullwidth, blob("wide"), false),
      fileNode(astral, blob("smile"), false),
    ],
    [dirNode("empty", empty), dirNode("sub", sub)],
    [linkNode("link", "b.txt")],
  );

  const blobs = new BlobSet();
  const digest = await buildTree(top, blobs, createLimiter(4));
  t.equal(asText(digest), text(root), "the root Directory digest");
  t.equal(empty.hash, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "an empty Directory is the empty blob");
  t.same(
    [...blobs.directories.values()].map((d) => asText(d.digest)).sort(),
    [root, sub, deeper, empty].map(text).sort(),
    "every Directory message is recorded once",
  );
  t.same(
    [...blobs.files.values()].map((f) => asText(f.digest)).sort(),
    ["upper bee\n", "bee\n", "wide", "smile", "#!/bin/sh\n", "g"].map((c) => text(blob(c))).sort(),
    "every distinct file content is recorded once (b.txt twice, stored once; the empty file is the empty Directory's blob)",
  );
  t.same(blobs.totals(), { blobs: 10, bytes: [root, sub, deeper, empty].reduce((sum, d) => sum + d.size, 0) + 4 + 10 + 4 + 5 + 10 + 1 });
  t.same(blobs.skipped, [join(top, "sub", "fifo")], "the FIFO is left out and reported");
});

t.test("the digest casupload 1.4.30 printed for a recorded tree", async (t) => {
  // Recorded with `casupload --dry-run --log-level=info tree` from buildbox 1.4.30 (Debian sid).
  const top = join(t.testdir(), "tree");
  await mkdir(join(top, "sub", "deeper"), { recursive: true });
  await mkdir(join(top, "empty"));
  await writeFile(join(top, "a.txt"), "hello\n");
  await writeFile(join(top, "sub", "b"), "x");
  await chmod(join(top, "sub", "b"), 0o755);
  await symlink("a.txt", join(top, "link"));
  await symlink("/abs/x", join(top, "sub", "abslink"));
  const digest = await buildTree(top, new BlobSet(), createLimiter(4));
  t.equal(asText(digest), "fb44e43025c5774fcd81adf8c1df44ba74cee56cf11005608839add7f12d7643/249");
});

t.test("collectPaths: a file is wrapped in a Directory under its base name, or with --blob is its contents", async (t) => {
  const dir = t.testdir({ "single.txt": "hi\n", nested: { "run.sh": "echo\n" } });
  await chmod(join(dir, "nested", "run.sh"), 0o755);
  const blobs = new BlobSet();
  const wrapped = await collectPaths([join(dir, "single.txt"), join(dir, "nested", "run.sh")], { blobDigests: false }, blobs, createLimiter(2));
  t.equal(asText(wrapped[0]!.digest), text(directory([fileNode("single.txt", blob("hi\n"), false)], [], [])));
  t.equal(asText(wrapped[1]!.digest), text(directory([fileNode("run.sh", blob("echo\n"), true)], [], [])), "by base name, executable kept");
  // casupload, given the bare name `single.txt`, printed this digest for a 3-byte file "hi\n".
  t.equal(asText(wrapped[0]!.digest), "dda6160a5e35647d335fb274d96666166445e41fdea5d13293a6aebecdca85e5/84", "what casupload prints");
  t.equal(blobs.directories.size, 2, "the wrapping Directories are uploaded too");
  const raw = await collectPaths([join(dir, "single.txt")], { blobDigests: true }, new BlobSet(), createLimiter(2));
  t.equal(asText(raw[0]!.digest), text(blob("hi\n")), "--blob: the contents' digest");
  t.same(raw[0]!.kind, "file");
  await t.rejects(collectPaths([join(dir, "absent")], { blobDigests: false }, new BlobSet(), createLimiter(2)), { name: "ToolError", exitStatus: 2, message: /no such file/ }, "a missing path is a usage error");
});
