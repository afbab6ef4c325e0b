// Writing a file so that it appears whole or not at all: temp file, then rename.
import { mkdir, open, rename, rm, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Creates `tempPath` exclusively, lets `fill` write into it, then renames it to `finalPath`.
 * When `fill` throws, the temp file is removed and `finalPath` is untouched.
 */
export async function writeFileAtomically(
  tempPath: string,
  finalPath: string,
  fill: (file: FileHandle) => Promise<void>,
): Promise<void> {
  const file = await open(tempPath, "wx", 0o444);
  let renamed = false;
  try {
    try {
      await fill(file);
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
