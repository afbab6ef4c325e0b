// Walks the store's directories: every blob, action-cache entry and temp file with its size and age.
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { isSha256Hex } from "../../policy/digest.js";
import { unlessGone } from "./errno.js";
import type { StoreLayout } from "./store-layout.js";
import { classifyTempName, type TempFileKind } from "./temp-names.js";

/** A file found in the store. */
export interface StoreFile {
  readonly path: string;
  /** The file's name, without its directory. */
  readonly name: string;
  readonly size: number;
  /** Last modification (for blobs: last use, as the store touches blobs it hands out). */
  readonly mtimeMs: number;
}

/** A file in cas/: a blob when its name is a SHA-256 in the right fan-out directory. */
export interface BlobFile extends StoreFile {
  /** The hash the name claims; undefined for a file whose name or place is wrong. */
  readonly hash: string | undefined;
}

/** A file in tmp/ and what its name says it is. */
export interface TempFile extends StoreFile {
  readonly kind: TempFileKind;
}

/** Files stat'ed at once per fan-out directory: enough to keep the disk busy, few enough for the fd limit. */
const STAT_BATCH = 64;

/** Every regular file in cas/, fan-out directory by fan-out directory. Files removed meanwhile are skipped. */
export async function* scanBlobFiles(layout: StoreLayout): AsyncIterable<BlobFile> {
  for await (const file of scanFanOut(layout.casDir)) {
    const inPlace = isSha256Hex(file.name) && file.fanOut.length === 2 && file.name.startsWith(file.fanOut);
    yield { path: file.path, name: file.name, size: file.size, mtimeMs: file.mtimeMs, hash: inPlace ? file.name : undefined };
  }
}

/** Every regular file in ac/. */
export async function* scanActionFiles(layout: StoreLayout): AsyncIterable<StoreFile> {
  for await (const file of scanFanOut(layout.acDir)) {
    yield { path: file.path, name: file.name, size: file.size, mtimeMs: file.mtimeMs };
  }
}

/** Every regular file in tmp/, classified by name. */
export async function listTempFiles(layout: StoreLayout): Promise<TempFile[]> {
  const files = await statAll(layout.tmpDir, (await unlessGone(readdir(layout.tmpDir))) ?? []);
  return files.map((file) => ({ ...file, kind: classifyTempName(file.name) }));
}

interface FanOutFile extends StoreFile {
  readonly fanOut: string;
}

async function* scanFanOut(dir: string): AsyncIterable<FanOutFile> {
  const fanOuts = ((await unlessGone(readdir(dir))) ?? []).sort();
  for (const fanOut of fanOuts) {
    const sub = join(dir, fanOut);
    const names = await readdir(sub).catch(() => [] as string[]);
    for (const file of await statAll(sub, names.sort())) yield { ...file, fanOut };
  }
}

async function statAll(dir: string, names: readonly string[]): Promise<StoreFile[]> {
  const found: StoreFile[] = [];
  for (let at = 0; at < names.length; at += STAT_BATCH) {
    const batch = names.slice(at, at + STAT_BATCH);
    const infos = await Promise.all(batch.map((name) => unlessGone(lstat(join(dir, name)))));
    infos.forEach((info, index) => {
      const name = batch[index] as string;
      if (info?.isFile()) found.push({ path: join(dir, name), name, size: info.size, mtimeMs: info.mtimeMs });
    });
  }
  return found;
}
