// Test files and trees: large pseudo-random files, many-file trees, and a comparable description of a tree.
import { createCipheriv, createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { chmod, lstat, mkdir, readdir, readFile, readlink, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";

/** Writes `size` pseudo-random bytes (an AES-CTR keystream keyed by `seed`) without holding them in memory. */
export async function writePseudoRandomFile(path: string, size: number, seed = 7): Promise<void> {
  const cipher = createCipheriv("aes-256-ctr", Buffer.alloc(32, seed), Buffer.alloc(16));
  const chunk = Buffer.alloc(1024 * 1024);
  async function* chunks() {
    for (let written = 0; written < size; written += chunk.length) yield cipher.update(chunk);
  }
  await pipeline(chunks(), createWriteStream(path));
}

/** `count` small files spread over nested directories, with an executable and a symlink; `label` varies the contents. */
export async function writeTree(top: string, count: number, label = "content of file"): Promise<void> {
  for (let index = 0; index < count; index++) {
    const sub = join(top, `d${index % 10}`, `e${index % 7}`);
    await mkdir(sub, { recursive: true });
    await writeFile(join(sub, `file-${index}.txt`), `${label} ${index}\n`.repeat((index % 5) + 1));
  }
  await chmod(join(top, "d0", "e0", "file-0.txt"), 0o755);
  await symlink("d1/e1/file-1.txt", join(top, "link-to-file-1"));
}

/** The SHA-256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}

/**
 * Every file, directory and symlink below `top` with its executable bit, content hash or link
 * target, walked with lstat (readdir's `recursive` may follow symlinks to directories).
 */
export async function describeTree(top: string, prefix = ""): Promise<Record<string, string>> {
  const entries: Record<string, string> = {};
  for (const name of (await readdir(join(top, prefix))).sort()) {
    const relative = prefix === "" ? name : join(prefix, name);
    const path = join(top, relative);
    const info = await lstat(path);
    if (info.isSymbolicLink()) entries[relative] = `link ${await readlink(path)}`;
    else if (info.isDirectory()) Object.assign(entries, { [relative]: "dir" }, await describeTree(top, relative));
    else if (info.isFile()) entries[relative] = `file ${(info.mode & 0o100) !== 0 ? "x" : "-"} ${createHash("sha256").update(await readFile(path)).digest("hex")}`;
  }
  return entries;
}
