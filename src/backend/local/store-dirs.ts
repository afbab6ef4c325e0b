// The embedded store's directories, created and checked writable: kept light, so that a run can check its cache before loading the store.
import { constants } from "node:fs";
import { access, mkdir } from "node:fs/promises";
import { storeLayout, type StoreLayout } from "./store-layout.js";

/** Creates `cas/`, `ac/` and `tmp/` under `root` (mode 0700) when missing, and fails unless `tmp/` is writable. */
export async function prepareStoreDirs(root: string): Promise<StoreLayout> {
  const layout = storeLayout(root);
  for (const dir of [layout.casDir, layout.acDir, layout.tmpDir]) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  }
  await access(layout.tmpDir, constants.W_OK);
  return layout;
}
