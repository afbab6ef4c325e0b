// Bundles the CLI into dist/: the run path and the parts loaded on demand, each with a V8 code cache beside it.
import { readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { build } from "esbuild";

const { version } = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8"));

// CommonJS, not ESM: Node 20 loads one CommonJS file tens of milliseconds sooner than the same
// code through its ESM loader, and only a CommonJS script can take a V8 code cache.
const common = {
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  sourcemap: "linked",
  minify: true,
  legalComments: "none",
  define: { BST_CAS_RUN_VERSION: JSON.stringify(version) },
  logLevel: "warning",
};

// Two bundles. A plain run (`bst-cas-run [--option ...] -- cmd`) needs 20 KB of the program's
// 380 KB until a client connects, and reading and decoding a script costs in proportion to its
// size (bench/NOTES.md). The run path's bundle therefore stops at src/on-demand.ts, which it asks
// for as a second bundle holding the server and the full parser; the launcher (bin/load-bundle.cjs)
// serves that request. Modules both need are in both: they keep no shared state, and a ToolError
// is recognized across the two by its registered symbol.
const ON_DEMAND_MODULE = resolve("src/on-demand.ts");
const ON_DEMAND_BUNDLE = "bst-cas-run-on-demand.cjs";
const onDemandApart = {
  name: "on-demand-apart",
  setup(builder) {
    // The import of src/on-demand.ts becomes a require of the other bundle, made when it is first awaited.
    builder.onResolve({ filter: /on-demand\.js$/ }, (args) =>
      resolve(args.resolveDir, args.path.replace(/\.js$/, ".ts")) === ON_DEMAND_MODULE ? { path: ON_DEMAND_BUNDLE, namespace: "on-demand" } : undefined,
    );
    builder.onLoad({ filter: /.*/, namespace: "on-demand" }, () => ({ contents: `module.exports = require("./${ON_DEMAND_BUNDLE}");`, loader: "js" }));
    builder.onResolve({ filter: /^\.\/bst-cas-run-on-demand\.cjs$/ }, (args) => ({ path: args.path, external: true }));
  },
};
await build({ ...common, entryPoints: ["src/cli/main.ts"], outfile: "dist/bst-cas-run.cjs", plugins: [onDemandApart] });
await build({ ...common, entryPoints: [ON_DEMAND_MODULE], outfile: `dist/${ON_DEMAND_BUNDLE}` });

// The launcher compiles each bundle with its cache; V8 ignores a cache made by another version.
// A cache holds what V8 has compiled by the time it is made: here each bundle's top level. Caching
// the server's and clipanion's functions as well (compiled by loading them first) made the cache
// 3.5 times larger, and a run no faster, even one whose command connects (bench/NOTES.md).
const { compileBundle } = createRequire(import.meta.url)("../bin/load-bundle.cjs");
for (const bundle of ["bst-cas-run.cjs", ON_DEMAND_BUNDLE]) {
  const { script } = compileBundle({ bundle, produceCache: true });
  await writeFile(`dist/${bundle}.cache`, script.createCachedData());
}
