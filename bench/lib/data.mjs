// Fresh, never-seen-before content for uploads: pseudo-random bytes from a per-run seed.
import { createCipheriv, createHash } from "node:crypto";
import { mkdir, open } from "node:fs/promises";
import { join } from "node:path";

/** A cipher whose keystream is unique to `seed` (and to this benchmark run, by `runId`). */
function keystream(seed) {
  const key = createHash("sha256").update(`bst-cas-run bench ${seed}`).digest();
  return createCipheriv("aes-256-ctr", key, Buffer.alloc(16));
}

/** Writes `size` pseudo-random bytes to `path`; resolves with the blob's "hash/size" digest. */
export async function writeRandomFile(path, size, seed) {
  const cipher = keystream(seed);
  const hash = createHash("sha256");
  const zero = Buffer.alloc(4 * 1024 * 1024);
  const file = await open(path, "w");
  try {
    for (let written = 0; written < size; ) {
      const length = Math.min(zero.length, size - written);
      const chunk = cipher.update(zero.subarray(0, length));
      hash.update(chunk);
      await file.write(chunk);
      written += length;
    }
  } finally {
    await file.close();
  }
  return `${hash.digest("hex")}/${size}`;
}

/** Writes `count` files of `size` pseudo-random bytes under `top`, 100 to a directory. */
export async function writeRandomTree(top, count, size, seed) {
  const cipher = keystream(seed);
  const zero = Buffer.alloc(size);
  for (let index = 0; index < count; index++) {
    const dir = join(top, `d${String(Math.floor(index / 100)).padStart(3, "0")}`);
    if (index % 100 === 0) await mkdir(dir, { recursive: true });
    const file = await open(join(dir, `f${index}.bin`), "w");
    try {
      await file.write(cipher.update(zero));
    } finally {
      await file.close();
    }
  }
}

/** SHA-256 of a file, as hex. */
export async function sha256File(path) {
  const hash = createHash("sha256");
  const file = await open(path, "r");
  try {
    for await (const chunk of file.createReadStream()) hash.update(chunk);
  } finally {
    await file.close().catch(() => {});
  }
  return hash.digest("hex");
}
