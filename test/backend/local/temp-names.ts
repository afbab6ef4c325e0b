// Tests for src/backend/local/temp-names.ts: the names of uploads in progress.
import { basename, dirname } from "node:path";
import t from "tap";
import { storeLayout } from "../../../src/backend/local/store-layout.js";
import { tempPath } from "../../../src/backend/local/temp-names.js";

const H = "ab".repeat(32);
const layout = storeLayout("/srv/store");

t.test("tempPath is in tmp/, labelled, and fresh each time", async (t) => {
  const paths = Array.from({ length: 50 }, () => tempPath(layout, `ac-${H}`));
  t.equal(new Set(paths).size, paths.length, "all distinct");
  for (const path of paths.slice(0, 3)) {
    t.equal(dirname(path), "/srv/store/tmp");
    t.match(basename(path), new RegExp(`^ac-${H}\\.${process.pid}\\.[0-9a-f]{12}\\.tmp$`));
  }
});
