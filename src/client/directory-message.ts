// One REAPI Directory message from its entries: canonical order, canonical bytes, digest.
import { create, toBinary } from "@bufbuild/protobuf";
import { DirectorySchema, type Directory } from "../gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { digestOfBytes } from "./blob-hash.js";
import type { BlobDigest } from "./digest-text.js";

/** An entry of a directory, before encoding. */
export type DirectoryEntry =
  | { readonly kind: "file"; readonly name: string; readonly digest: BlobDigest; readonly executable: boolean }
  | { readonly kind: "directory"; readonly name: string; readonly digest: BlobDigest }
  | { readonly kind: "symlink"; readonly name: string; readonly target: string };

/** A Directory message encoded, with its digest. */
export interface EncodedDirectory {
  readonly digest: BlobDigest;
  readonly bytes: Uint8Array;
}

/**
 * Encodes `entries` as a Directory: files, directories and symlinks each sorted by name in
 * UTF-8 byte order (as the REAPI spec requires), no node properties (as casupload without
 * --capture-mtime/--capture-unix-mode). Throws when a name is empty, ".", "..", holds a slash
 * or a NUL, or appears twice.
 */
export function encodeDirectory(entries: readonly DirectoryEntry[]): EncodedDirectory {
  const seen = new Set<string>();
  for (const entry of entries) {
    checkEntryName(entry.name);
    if (seen.has(entry.name)) throw new Error(`the name ${JSON.stringify(entry.name)} appears twice in one directory`);
    seen.add(entry.name);
  }
  const sorted = [...entries].sort((a, b) => compareNames(a.name, b.name));
  const directory: Directory = create(DirectorySchema, {
    files: sorted.flatMap((e) => (e.kind === "file" ? [{ name: e.name, digest: wire(e.digest), isExecutable: e.executable }] : [])),
    directories: sorted.flatMap((e) => (e.kind === "directory" ? [{ name: e.name, digest: wire(e.digest) }] : [])),
    symlinks: sorted.flatMap((e) => (e.kind === "symlink" ? [{ name: e.name, target: e.target }] : [])),
  });
  const bytes = toBinary(DirectorySchema, directory);
  return { digest: digestOfBytes(bytes), bytes };
}

/** Orders names by their UTF-8 bytes (JavaScript's `<` compares UTF-16 units, which differs above U+FFFF). */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** Throws unless `name` is a single path component a Directory may hold. */
export function checkEntryName(name: string): void {
  if (name === "" || name === "." || name === ".." || name.includes("/") || name.includes("\0")) {
    throw new Error(`${JSON.stringify(name)} is not a valid directory entry name`);
  }
}

function wire(digest: BlobDigest): { hash: string; sizeBytes: bigint } {
  return { hash: digest.hash, sizeBytes: BigInt(digest.sizeBytes) };
}
