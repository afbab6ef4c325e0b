// The blobs an ActionResult points at, which must all exist for the result to be usable.
import type {
  ActionResult,
  Directory,
  Tree,
} from "../../gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { parseDigest, type BlobDigest, type WireDigest } from "../../policy/digest.js";

/**
 * Every digest `result` references directly: output files, output directories' Tree blobs and
 * root Directory blobs, stdout and stderr. What lies inside those Trees and Directories is found
 * with {@link treeFileBlobs} and {@link directoryChildren}.
 */
export function referencedBlobs(result: ActionResult): BlobDigest[] {
  const found: BlobDigest[] = [];
  const add = (digest: WireDigest | undefined, what: string): void => {
    if (digest !== undefined) found.push(parseDigest(digest, what));
  };
  for (const file of result.outputFiles) add(file.digest, `output file ${file.path}`);
  for (const directory of result.outputDirectories) {
    add(directory.treeDigest, `output directory ${directory.path}`);
    add(directory.rootDirectoryDigest, `output directory ${directory.path} root`);
  }
  add(result.stdoutDigest, "stdout digest");
  add(result.stderrDigest, "stderr digest");
  return found;
}

/** The Tree blobs of `result`'s output directories. */
export function outputTrees(result: ActionResult): BlobDigest[] {
  return result.outputDirectories.flatMap((directory) =>
    directory.treeDigest !== undefined ? [parseDigest(directory.treeDigest, `output directory ${directory.path}`)] : [],
  );
}

/** The root Directory blobs of `result`'s output directories (REAPI 2.3 `root_directory_digest`). */
export function outputRootDirectories(result: ActionResult): BlobDigest[] {
  return result.outputDirectories.flatMap((directory) =>
    directory.rootDirectoryDigest !== undefined
      ? [parseDigest(directory.rootDirectoryDigest, `output directory ${directory.path} root`)]
      : [],
  );
}

/**
 * The file blobs of every Directory in `tree` (root and children). A Tree carries its directories
 * inside itself, so they are not separate blobs; only the files must be in the CAS.
 */
export function treeFileBlobs(tree: Tree): BlobDigest[] {
  const directories = tree.root !== undefined ? [tree.root, ...tree.children] : tree.children;
  return directories.flatMap((directory) => directoryChildren(directory).files);
}

/** The blobs one Directory message names: its files, and its subdirectories (separate Directory blobs). */
export function directoryChildren(directory: Directory): { files: BlobDigest[]; directories: BlobDigest[] } {
  return {
    files: directory.files.map((file) => parseDigest(file.digest, `file ${file.name}`)),
    directories: directory.directories.map((child) => parseDigest(child.digest, `directory ${child.name}`)),
  };
}
