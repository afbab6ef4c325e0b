// Loads the bundles `npm run build` writes to dist/, each through its V8 code cache (the .cache beside it) when it is there and fits.
"use strict";
const { readFileSync } = require("node:fs");
const { wrap } = require("node:module");
const { join } = require("node:path");
const { Script } = require("node:vm");

const DIST = join(__dirname, "..", "dist");
/** The run path, which the launcher starts. */
const MAIN_BUNDLE = "bst-cas-run.cjs";
/**
 * The bundles loaded so far, by file name. A bundle asks for another as `require("./<name>")`:
 * the run path asks so for the parts it loads on demand (src/on-demand.ts).
 */
const loaded = new Map();

/**
 * Compiles and runs a bundle (the run path by default) as a CommonJS module and returns its
 * exports with the script; a bundle is loaded once. The cache is used when present (V8 checks that
 * it matches the source and itself, and compiles afresh otherwise); `produceCache` skips it, for
 * the build that writes a new one.
 * @param {{ bundle?: string, produceCache?: boolean }} [options]
 */
function compileBundle(options = {}) {
  const name = options.bundle ?? MAIN_BUNDLE;
  const known = loaded.get(name);
  if (known !== undefined && options.produceCache !== true) return known;
  const file = join(DIST, name);
  const source = readFileSync(file, "utf8");
  let cachedData;
  if (options.produceCache !== true) {
    try {
      cachedData = readFileSync(`${file}.cache`);
    } catch {
      cachedData = undefined;
    }
  }
  const script = new Script(wrap(source), { filename: file, cachedData });
  const module = { exports: {} };
  const result = { script, exports: module.exports };
  loaded.set(name, result);
  script.runInThisContext()(module.exports, bundleRequire, module, file, DIST);
  result.exports = module.exports;
  return result;
}

/** The `require` a bundle sees: another bundle by its "./" name, Node's require for the rest. */
function bundleRequire(id) {
  return id.startsWith("./") ? compileBundle({ bundle: id.slice(2) }).exports : require(id);
}

module.exports = { compileBundle };
