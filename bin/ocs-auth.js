#!/usr/bin/env node
import module from 'node:module';

// Node >= 22.1 keeps V8's compiled code between runs (scripts call `ocs-auth token` in
// loops); it must be on before the CLI's own modules load, hence the dynamic imports.
module.enableCompileCache?.();
const { processDeps } = await import('../dist/deps.js');
const { main } = await import('../dist/main.js');
process.exitCode = await main(process.argv.slice(2), processDeps());
