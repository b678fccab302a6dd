// `npm run demo` shows commands; the ones it shows must be the ones it runs.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';

test('the demo runs the curl line it prints, with ocs-auth on PATH, and the API answers 200', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], { timeout: 60_000 });
  assert.match(stdout, /^\$ curl .*\$\(ocs-auth token --client-credentials\).*\/api\/v1\/Tenants\/\$OCS_TENANT_ID"$/m);
  assert.match(stdout, /^HTTP 200$/m);
  assert.match(stdout, /Demo passed\./);
});
