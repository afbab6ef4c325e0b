// Loads dist/bst-cas-run.cjs through V8's code cache (dist/bst-cas-run.cjs.cache) when it is there and fits.
"use strict";
const { readFileSync } = require("node:fs");
const { wrap } = require("node:module");
const { join } = require("node:path");
const { Script } = require("node:vm");

const BUNDLE = join(__dirname, "..", "dist", "bst-cas-run.cjs");

/**
 * Compiles and runs the bundle as a CommonJS module and returns its exports with the script.
 * The cache is used when present (V8 checks that it matches the source and itself, and compiles
 * afresh otherwise); `produceCache` skips it, for the build that writes a new one.
 * @param {{ produceCache?: boolean }} [options]
 */
function compileBundle(options = {}) {
  const source = readFileSync(BUNDLE, "utf8");
  let cachedData;
  if (options.produceCache !== true) {
    try {
      cachedData = readFileSync(`${BUNDLE}.cache`);
    } catch {
      cachedData = undefined;
    }
  }
  const script = new Script(wrap(source), { filename: BUNDLE, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, require, module, BUNDLE, join(BUNDLE, ".."));
  return { script, exports: module.exports };
}

module.exports = { compileBundle };
