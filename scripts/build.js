// Bundles the CLI into dist/bst-cas-run.js: one file loads faster than hundreds of modules.
import { readFile } from "node:fs/promises";
import { build } from "esbuild";

const { version } = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8"));

await build({
  entryPoints: ["src/cli/main.ts"],
  outfile: "dist/bst-cas-run.js",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: "linked",
  minify: true,
  legalComments: "none",
  define: { BST_CAS_RUN_VERSION: JSON.stringify(version) },
  // Bundled CommonJS dependencies call require(); give them one.
  banner: { js: "import { createRequire as __bstCreateRequire } from 'node:module'; const require = __bstCreateRequire(import.meta.url);" },
  logLevel: "warning",
});
