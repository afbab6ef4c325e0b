#!/usr/bin/env node
// Launcher: runs the bundled CLI built by `npm run build`.
"use strict";
const { compileBundle } = require("./load-bundle.cjs");

compileBundle().exports.main(process.argv.slice(2));
