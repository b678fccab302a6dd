#!/usr/bin/env node
// CommonJS (see bin/package.json): an ESM entry starts Node's ESM loader, which alone costs
// more than `ocs-auth token` does with a cached token. scripts/build.mjs says more.
'use strict';
const { join } = require('node:path');
const dist = join(__dirname, '..', 'dist');
// module.constructor: Node's CommonJS loader, without loading node:module (src/compile-cache.ts).
require(join(dist, 'compile-cache.cjs')).enableCompileCache(dist, module.constructor);
require(join(dist, 'start.cjs'))
  .start(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
