// Tests for bin/load-bundle.cjs against the built bundle: V8 takes the code cache the build wrote, and the bundle runs from it.
import { createRequire } from "node:module";
import t from "tap";

const { compileBundle } = createRequire(import.meta.url)("../../bin/load-bundle.cjs") as {
  compileBundle(options?: { produceCache?: boolean }): { script: import("node:vm").Script; exports: Record<string, unknown> };
};

t.test("the code cache matches the bundle (npm run build writes both)", async (t) => {
  const { script, exports } = compileBundle();
  t.equal(script.cachedDataRejected, false, "V8 accepted dist/bst-cas-run.cjs.cache");
  t.type(exports["main"], "function", "the bundle's entry point is there");
});
