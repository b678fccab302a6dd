#!/usr/bin/env node
// CommonJS (see bin/package.json): an ESM entry starts Node's ESM loader, which alone costs
// more than `ocs-auth token` does with a cached token. scripts/build.mjs says more.
'use strict';
const { join } = require('node:path');
const dist = join(__dirname, '..', 'dist');
require(join(dist, 'compile-cache.cjs')).enableCompileCache(dist);
const { main, processDeps } = require(join(dist, 'main.cjs'));
main(process.argv.slice(2), processDeps()).then((code) => {
  process.exitCode = code;
});
