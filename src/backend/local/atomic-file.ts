// Writing a file so that it appears whole or not at all: temp file, then rename.
import { mkdir, open, rename, rm, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";

/** Options for {@link writeFileAtomically}. */
export interface AtomicWriteOptions {
  /**
   * Flush the data to disk before the rename. Without it, a power loss soon after can leave the
   * new name on an empty file (the rename reached the journal, the data did not): fine where a
   * reader checks the size, as blob reads do; not for entries whose empty form reads as valid.
   */
  readonly durable?: boolean;
}

/**
 * Creates `tempPath` exclusively, lets `fill` write into it, then renames it to `finalPath`.
 * When `fill` throws, the temp file is removed and `finalPath` is untouched.
 */
export async function writeFileAtomically(
  tempPath: string,
  finalPath: string,
  fill: (file: FileHandle) => Promise<void>,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const file = await open(tempPath, "wx", 0o444);
  let renamed = false;
  try {
    try {
      await fill(file);
      if (options.durable === true) await file.datasync();
    } finally {
      await file.close();
    }
    await mkdir(dirname(finalPath), { recursive: true });
    await rename(tempPath, finalPath);
    renamed = true;
  } finally {
    if (!renamed) await rm(tempPath, { force: true });
  }
}
