#!/usr/bin/env node
// Launcher: runs the bundled CLI built by `npm run build`.
import { main } from "../dist/bst-cas-run.js";

await main(process.argv.slice(2));
