#!/usr/bin/env node
// CommonJS (see bin/package.json): an ESM entry starts Node's ESM loader, which alone costs
// more than `ocs-auth token` does with a cached token. scripts/build.mjs says more.
'use strict';
require('../dist/compile-cache.cjs').enableCompileCache();
const { main, processDeps } = require('../dist/main.cjs');
main(process.argv.slice(2), processDeps()).then((code) => {
  process.exitCode = code;
});
