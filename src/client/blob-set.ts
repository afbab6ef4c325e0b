// What `cas put` found to upload: Directory messages and file contents, each once.
import type { BlobDigest } from "./digest-text.js";
import type { EncodedDirectory } from "./directory-message.js";

/** A file whose contents are a blob: where to read it and what it should hash to. */
export interface FileBlob {
  readonly path: string;
  readonly digest: BlobDigest;
}

/** The blobs of one or more trees and files, deduplicated by hash. */
export class BlobSet {
  /** Directory messages by hash. */
  readonly directories = new Map<string, EncodedDirectory>();
  /** One file per distinct content, by hash. */
  readonly files = new Map<string, FileBlob>();
  /** Entries left out: sockets, FIFOs and devices have no REAPI node. */
  readonly skipped: string[] = [];

  /** Records a Directory message. */
  addDirectory(directory: EncodedDirectory): void {
    this.directories.set(directory.digest.hash, directory);
  }

  /** Records a file's contents (the first path seen for a content is the one read). */
  addFile(path: string, digest: BlobDigest): void {
    if (!this.files.has(digest.hash) && !this.directories.has(digest.hash)) this.files.set(digest.hash, { path, digest });
  }

  /** How many distinct blobs there are and their total size. */
  totals(): { blobs: number; bytes: number } {
    let bytes = 0;
    for (const directory of this.directories.values()) bytes += directory.digest.sizeBytes;
    for (const file of this.files.values()) bytes += file.digest.sizeBytes;
    return { blobs: this.directories.size + this.files.size, bytes };
  }
}
