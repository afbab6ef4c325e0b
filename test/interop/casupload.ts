// casupload and casdownload (buildbox 1.4.30) move a large file and a tree through the socket intact.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import t from "tap";
import { casdownloadThrough, casuploadThrough } from "../helpers/cas-round-trip.js";
import { inSidRoot, sidRoot } from "../helpers/peers.js";
import { writePseudoRandomFile, writeTree } from "../helpers/trees.js";

const BIG_FILE_BYTES = 256 * 1024 * 1024;

t.test("a 256 MiB file and a tree of 1,000 small files go up and come back identical", async (t) => {
  const root = await sidRoot();
  const dir = t.testdir({ work: {}, cache: {} });
  const work = join(dir, "work");
  await writePseudoRandomFile(join(work, "big.bin"), BIG_FILE_BYTES);
  await writeTree(join(work, "tree"), 1000);
  const tool = [...inSidRoot(root, work), "--cache-dir", join(dir, "cache"), "--stats-json", join(dir, "stats.json"), "--"];

  for (const [name, input] of [["big", "big.bin"], ["tree", "tree"]] as const) {
    await t.test(name, async (t) => {
      const digest = await casuploadThrough(t, tool, work, name, input);
      const uploadStats = JSON.parse(await readFile(join(dir, "stats.json"), "utf8"));
      t.ok(uploadStats.bytesIn >= (name === "big" ? BIG_FILE_BYTES : 1000), "the data went through the socket");
      await casdownloadThrough(t, tool, work, name, input, digest);
    });
  }
});
