// The blobs an ActionResult points at, which must all exist for the result to be usable.
import type { ActionResult } from "../../gen/build/bazel/remote/execution/v2/remote_execution_pb.js";
import { parseDigest, type BlobDigest, type WireDigest } from "../../policy/digest.js";

/** Every digest `result` references directly: output files, output trees, stdout and stderr. */
export function referencedBlobs(result: ActionResult): BlobDigest[] {
  const found: BlobDigest[] = [];
  const add = (digest: WireDigest | undefined, what: string): void => {
    if (digest !== undefined) found.push(parseDigest(digest, what));
  };
  for (const file of result.outputFiles) add(file.digest, `output file ${file.path}`);
  for (const directory of result.outputDirectories) add(directory.treeDigest, `output directory ${directory.path}`);
  add(result.stdoutDigest, "stdout digest");
  add(result.stderrDigest, "stderr digest");
  return found;
}
