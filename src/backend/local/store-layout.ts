// Where the embedded store keeps blobs and action-cache entries: the layout of its directory.
import { join } from "node:path";
import type { BlobDigest } from "../../policy/digest.js";

/** Paths inside one embedded store directory. */
export interface StoreLayout {
  readonly root: string;
  readonly casDir: string;
  readonly acDir: string;
  readonly tmpDir: string;
}

/** The layout of a store rooted at `root`. */
export function storeLayout(root: string): StoreLayout {
  return { root, casDir: join(root, "cas"), acDir: join(root, "ac"), tmpDir: join(root, "tmp") };
}

/** The file holding a blob: `cas/<first two hex>/<hash>`. Only call with validated digests. */
export function blobPath(layout: StoreLayout, digest: BlobDigest): string {
  return join(layout.casDir, digest.hash.slice(0, 2), digest.hash);
}

/** The file holding an action result: `ac/<first two hex>/<hash>-<size>`. */
export function actionResultPath(layout: StoreLayout, actionDigest: BlobDigest): string {
  return join(layout.acDir, actionDigest.hash.slice(0, 2), `${actionDigest.hash}-${actionDigest.sizeBytes}`);
}
