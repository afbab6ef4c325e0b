// casupload and casdownload (the sid root's) run through bst-cas-run on a file or a tree, with the checks every round trip makes.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Test } from "tap";
import { describeTree, sha256File } from "./trees.js";
import { runTool } from "./run-tool.js";

/** What to move: `big.bin` (a file) or `tree` (a directory), both in the work directory bound at /src. */
export type RoundTripInput = "big.bin" | "tree";

/** `tool` (bst-cas-run's arguments up to and including `--`) running casupload of `input`; checks it succeeds and resolves with the digest it printed. */
export async function casuploadThrough(t: Test, tool: readonly string[], work: string, name: string, input: RoundTripInput): Promise<string> {
  const upload = await runTool([...tool, "casupload", "--remote=unix:/run/reapi.sock", `--output-digest-file=/src/${name}.digest`, input]);
  t.equal(upload.exitCode, 0, `casupload succeeds: ${upload.stderr}`);
  const digest = (await readFile(join(work, `${name}.digest`), "utf8")).trim();
  t.match(digest, /^[0-9a-f]{64}\/[0-9]+$/);
  return digest;
}

/** casdownload of `digest` into /src/`name`.out through `tool`; checks it succeeds and that the copy is the same as `input`. */
export async function casdownloadThrough(t: Test, tool: readonly string[], work: string, name: string, input: RoundTripInput, digest: string): Promise<void> {
  const download = await runTool([...tool, "casdownload", "--remote=unix:/run/reapi.sock", `--destination-dir=/src/${name}.out`, `--root-digest=${digest}`]);
  t.equal(download.exitCode, 0, `casdownload succeeds: ${download.stderr}`);
  const copy = join(work, `${name}.out`);
  if (input === "big.bin") {
    t.equal(await sha256File(join(copy, "big.bin")), await sha256File(join(work, "big.bin")), "byte-identical");
  } else {
    t.same(await describeTree(copy), await describeTree(join(work, "tree")), "same files, contents, modes and symlinks");
  }
}
