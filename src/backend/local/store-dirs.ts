// The embedded store's directories, created and checked writable: kept light, so that a run can check its cache before loading the store.
import { accessSync, constants, mkdirSync } from "node:fs";
import { storeLayout, type StoreLayout } from "./store-layout.js";

/**
 * Creates `cas/`, `ac/` and `tmp/` under `root` (mode 0700) when missing, and fails unless `tmp/`
 * is writable. Synchronous: it runs once, when a run or a store starts, before anything else waits.
 */
export function prepareStoreDirs(root: string): StoreLayout {
  const layout = storeLayout(root);
  for (const dir of [layout.casDir, layout.acDir, layout.tmpDir]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  accessSync(layout.tmpDir, constants.W_OK);
  return layout;
}
