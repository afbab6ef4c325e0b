// Bundles the CLI into dist/bst-cas-run.cjs, with a V8 code cache beside it: one pre-compiled file starts fastest.
import { readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { build } from "esbuild";

const { version } = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8"));
const outfile = "dist/bst-cas-run.cjs";

// CommonJS, not ESM: Node 20 loads one CommonJS file tens of milliseconds sooner than the same
// code through its ESM loader, and only a CommonJS script can take a V8 code cache.
await build({
  entryPoints: ["src/cli/main.ts"],
  outfile,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  sourcemap: "linked",
  minify: true,
  legalComments: "none",
  define: { BST_CAS_RUN_VERSION: JSON.stringify(version) },
  logLevel: "warning",
});

// The launcher compiles the bundle with this cache; V8 ignores a cache made by another version.
// The cache holds what V8 has compiled by the time it is made: here the bundle's top level, which
// a run executes whole. Caching the server's and clipanion's functions as well (compiled by
// loading them first) made the cache 3.5 times larger, and a run no faster, even one whose
// command connects and so loads the server (bench/NOTES.md).
const { compileBundle } = createRequire(import.meta.url)("../bin/load-bundle.cjs");
const { script } = compileBundle({ produceCache: true });
await writeFile(`${outfile}.cache`, script.createCachedData());
