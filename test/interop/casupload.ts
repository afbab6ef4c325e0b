// casupload and casdownload (buildbox 1.4.30) move a large file and a tree through the socket intact.
import { createHash, createCipheriv } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { chmod, mkdir, readFile, readdir, readlink, lstat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import t from "tap";
import { inSidRoot, sidRoot } from "../helpers/peers.js";
import { runTool } from "../helpers/run-tool.js";

const BIG_FILE_BYTES = 256 * 1024 * 1024;

t.test("a 256 MiB file and a tree of 1,000 small files go up and come back identical", async (t) => {
  const root = await sidRoot();
  const dir = t.testdir({ work: {}, cache: {} });
  const work = join(dir, "work");
  await writePseudoRandomFile(join(work, "big.bin"), BIG_FILE_BYTES);
  await writeTree(join(work, "tree"), 1000);
  const tool = [...inSidRoot(root, work), "--cache-dir", join(dir, "cache"), "--stats-json", join(dir, "stats.json"), "--"];
  const remote = "--remote=unix:/run/reapi.sock";

  for (const [name, input] of [["big", "big.bin"], ["tree", "tree"]] as const) {
    await t.test(name, async (t) => {
      const upload = await runTool([...tool, "casupload", remote, `--output-digest-file=/src/${name}.digest`, input]);
      t.equal(upload.exitCode, 0, `casupload succeeds: ${upload.stderr}`);
      const digest = (await readFile(join(work, `${name}.digest`), "utf8")).trim();
      t.match(digest, /^[0-9a-f]{64}\/[0-9]+$/);
      const uploadStats = JSON.parse(await readFile(join(dir, "stats.json"), "utf8"));
      t.ok(uploadStats.bytesIn >= (name === "big" ? BIG_FILE_BYTES : 1000), "the data went through the socket");

      const download = await runTool([...tool, "casdownload", remote, `--destination-dir=/src/${name}.out`, `--root-digest=${digest}`]);
      t.equal(download.exitCode, 0, `casdownload succeeds: ${download.stderr}`);
      const original = name === "big" ? work : join(work, "tree");
      const copy = join(work, `${name}.out`);
      if (name === "big") {
        t.equal(await sha256File(join(copy, "big.bin")), await sha256File(join(original, "big.bin")), "byte-identical");
      } else {
        t.same(await describeTree(copy), await describeTree(original), "same files, contents, modes and symlinks");
      }
    });
  }
});

/** Writes `size` deterministic pseudo-random bytes without holding them in memory. */
async function writePseudoRandomFile(path: string, size: number): Promise<void> {
  const cipher = createCipheriv("aes-256-ctr", Buffer.alloc(32, 7), Buffer.alloc(16));
  const chunk = Buffer.alloc(1024 * 1024);
  async function* chunks() {
    for (let written = 0; written < size; written += chunk.length) yield cipher.update(chunk);
  }
  await pipeline(chunks(), createWriteStream(path));
}

/** `count` small files spread over nested directories, with an executable and a symlink. */
async function writeTree(top: string, count: number): Promise<void> {
  for (let index = 0; index < count; index++) {
    const sub = join(top, `d${index % 10}`, `e${index % 7}`);
    await mkdir(sub, { recursive: true });
    await writeFile(join(sub, `file-${index}.txt`), `content of file ${index}\n`.repeat((index % 5) + 1));
  }
  await chmod(join(top, "d0", "e0", "file-0.txt"), 0o755);
  await symlink("d1/e1/file-1.txt", join(top, "link-to-file-1"));
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}

/** Every entry below `top` with its kind, executable bit, content hash or link target. */
async function describeTree(top: string): Promise<Record<string, string>> {
  const entries: Record<string, string> = {};
  for (const name of (await readdir(top, { recursive: true })).map(String).sort()) {
    const path = join(top, name);
    const info = await lstat(path);
    if (info.isSymbolicLink()) entries[name] = `link ${await readlink(path)}`;
    else if (info.isDirectory()) entries[name] = "dir";
    else entries[name] = `file ${(info.mode & 0o111) !== 0 ? "x" : "-"} ${createHash("sha256").update(await readFile(path)).digest("hex")}`;
  }
  return entries;
}
