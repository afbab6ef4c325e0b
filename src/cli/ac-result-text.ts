// An ActionResult as lines of text, for `ac get` without --json.
import type { ActionResult, Digest } from "../gen/build/bazel/remote/execution/v2/remote_execution_pb.js";

/** One line per field that is set: exit code, outputs, stdout/stderr, worker. */
export function describeActionResult(result: ActionResult): string {
  const lines = [`exit code: ${result.exitCode}`];
  for (const file of result.outputFiles) lines.push(`output file: ${file.path} ${digest(file.digest)}${file.isExecutable ? " executable" : ""}`);
  for (const directory of result.outputDirectories) lines.push(`output directory: ${directory.path} tree ${digest(directory.treeDigest)}`);
  for (const link of [...result.outputSymlinks, ...result.outputFileSymlinks, ...result.outputDirectorySymlinks]) {
    lines.push(`output symlink: ${link.path} -> ${link.target}`);
  }
  for (const [name, raw, blob] of [["stdout", result.stdoutRaw, result.stdoutDigest], ["stderr", result.stderrRaw, result.stderrDigest]] as const) {
    if (blob !== undefined) lines.push(`${name}: ${digest(blob)}`);
    else if (raw.byteLength > 0) lines.push(`${name}: ${raw.byteLength} bytes inline`);
  }
  const worker = result.executionMetadata?.worker;
  if (worker !== undefined && worker !== "") lines.push(`worker: ${worker}`);
  return `${lines.join("\n")}\n`;
}

function digest(value: Digest | undefined): string {
  return value === undefined ? "(no digest)" : `${value.hash}/${value.sizeBytes}`;
}
