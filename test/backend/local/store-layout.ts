// Tests for src/backend/local/store-layout.ts: where blobs and action results live.
import t from "tap";
import { actionResultPath, blobPath, storeLayout } from "../../../src/backend/local/store-layout.js";

const H = "ab".repeat(32);
const layout = storeLayout("/srv/store");

t.test("storeLayout", async (t) => {
  t.strictSame(layout, { root: "/srv/store", casDir: "/srv/store/cas", acDir: "/srv/store/ac", tmpDir: "/srv/store/tmp" });
  t.strictSame(storeLayout("rel"), { root: "rel", casDir: "rel/cas", acDir: "rel/ac", tmpDir: "rel/tmp" });
});

t.test("blobPath and actionResultPath", async (t) => {
  const cases: Array<{ hash: string; size: number; blob: string; ac: string }> = [
    { hash: H, size: 5, blob: `/srv/store/cas/ab/${H}`, ac: `/srv/store/ac/ab/${H}-5` },
    { hash: "0".repeat(64), size: 0, blob: `/srv/store/cas/00/${"0".repeat(64)}`, ac: `/srv/store/ac/00/${"0".repeat(64)}-0` },
    {
      hash: `f${"e".repeat(63)}`,
      size: Number.MAX_SAFE_INTEGER,
      blob: `/srv/store/cas/fe/f${"e".repeat(63)}`,
      ac: `/srv/store/ac/fe/f${"e".repeat(63)}-${Number.MAX_SAFE_INTEGER}`,
    },
  ];
  for (const c of cases) {
    t.equal(blobPath(layout, { hash: c.hash, sizeBytes: c.size }), c.blob);
    t.equal(actionResultPath(layout, { hash: c.hash, sizeBytes: c.size }), c.ac);
  }
  t.equal(blobPath(layout, { hash: H, sizeBytes: 1 }), blobPath(layout, { hash: H, sizeBytes: 2 }), "blobs are keyed by hash only");
  t.not(actionResultPath(layout, { hash: H, sizeBytes: 1 }), actionResultPath(layout, { hash: H, sizeBytes: 2 }),
    "action results are keyed by hash and size");
});
