// casupload and casdownload (buildbox 1.4.30) move a large file and a tree through the socket intact.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import t from "tap";
import { inSidRoot, sidRoot } from "../helpers/peers.js";
import { describeTree, sha256File, writePseudoRandomFile, writeTree } from "../helpers/trees.js";
import { runTool } from "../helpers/run-tool.js";

const BIG_FILE_BYTES = 256 * 1024 * 1024;

t.test("a 256 MiB file and a tree of 1,000 small files go up and come back identical", async (t) => {
  const root = await sidRoot();
  const dir = t.testdir({ work: {}, cache: {} });
  const work = join(dir, "work");
  await writePseudoRandomFile(join(work, "big.bin"), BIG_FILE_BYTES);
  await writeTree(join(work, "tree"), 1000);
  const tool = [...inSidRoot(root, work), "--cache-dir", join(dir, "cache"), "--stats-json", join(dir, "stats.json"), "--"];
  const remote = "--remote=unix:/run/reapi.sock";

  for (const [name, input] of [["big", "big.bin"], ["tree", "tree"]] as const) {
    await t.test(name, async (t) => {
      const upload = await runTool([...tool, "casupload", remote, `--output-digest-file=/src/${name}.digest`, input]);
      t.equal(upload.exitCode, 0, `casupload succeeds: ${upload.stderr}`);
      const digest = (await readFile(join(work, `${name}.digest`), "utf8")).trim();
      t.match(digest, /^[0-9a-f]{64}\/[0-9]+$/);
      const uploadStats = JSON.parse(await readFile(join(dir, "stats.json"), "utf8"));
      t.ok(uploadStats.bytesIn >= (name === "big" ? BIG_FILE_BYTES : 1000), "the data went through the socket");

      const download = await runTool([...tool, "casdownload", remote, `--destination-dir=/src/${name}.out`, `--root-digest=${digest}`]);
      t.equal(download.exitCode, 0, `casdownload succeeds: ${download.stderr}`);
      const original = name === "big" ? work : join(work, "tree");
      const copy = join(work, `${name}.out`);
      if (name === "big") {
        t.equal(await sha256File(join(copy, "big.bin")), await sha256File(join(original, "big.bin")), "byte-identical");
      } else {
        t.same(await describeTree(copy), await describeTree(original), "same files, contents, modes and symlinks");
      }
    });
  }
});

