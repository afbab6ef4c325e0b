// Tests for bin/load-bundle.cjs against the built bundles: V8 takes the code caches the build wrote, the run path finds the on-demand bundle, and each bundle is loaded once.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import t from "tap";

interface Loaded {
  script: import("node:vm").Script;
  exports: Record<string, unknown>;
}
const { compileBundle } = createRequire(import.meta.url)("../../bin/load-bundle.cjs") as {
  compileBundle(options?: { bundle?: string; produceCache?: boolean }): Loaded;
};

t.test("the code caches match the bundles (npm run build writes them)", async (t) => {
  const main = compileBundle();
  t.equal(main.script.cachedDataRejected, false, "V8 accepted dist/bst-cas-run.cjs.cache");
  t.type(main.exports["main"], "function", "the run path's entry point is there");
  const onDemand = compileBundle({ bundle: "bst-cas-run-on-demand.cjs" });
  t.equal(onDemand.script.cachedDataRejected, false, "V8 accepted dist/bst-cas-run-on-demand.cjs.cache");
  t.type(onDemand.exports["loadFilteringServer"], "function");
  t.type(onDemand.exports["loadClipanionCli"], "function");
  t.equal(compileBundle(), main, "a bundle is compiled and run once");
});

t.test("the parts on demand load from the second bundle and are what src/on-demand.ts names", async (t) => {
  const onDemand = compileBundle({ bundle: "bst-cas-run-on-demand.cjs" }).exports as {
    loadFilteringServer(): Promise<Record<string, unknown>>;
    loadClipanionCli(): Promise<Record<string, unknown>>;
  };
  t.type((await onDemand.loadFilteringServer())["startFilteringServer"], "function");
  t.type((await onDemand.loadClipanionCli())["runCli"], "function");
});

t.test("the run path's bundle holds the run path only", async (t) => {
  const source = readFileSync(new URL("../../dist/bst-cas-run.cjs", import.meta.url), "utf8");
  t.ok(source.length < 64 * 1024, `${source.length} bytes: the server and clipanion are not in it`);
  t.match(source, 'require("./bst-cas-run-on-demand.cjs")');
});
