// A reader that goes away (`ocs-auth status | head -1`, `… | true`): what it wanted it has, and
// every command ends as `token` does, quietly, with the status it would have had (issue 19).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, hasStackTrace } from '../helpers/cli.ts';
import { configDir, emulator, envOnly, useE2eFixture } from '../helpers/e2e-fixture.ts';

useE2eFixture();

/** Runs the CLI with its stdout a pipe whose reading end is closed before the CLI writes. */
function withReaderGone(args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

test('every command whose reader goes away ends quietly, with the status it would have had', async () => {
  await writeFile(join(configDir, 'config.ini'), `[plant]\nresource = ${emulator.resource}\ntenant_id = ${emulator.tenantId}\nclient_id = ${emulator.confidentialClient.clientId}\nflow = client-credentials\n`, { mode: 0o600 });
  const env = envOnly({ OCS_AUTH_FLOW: 'client-credentials' });
  for (const args of [['--help'], ['status', '--help'], ['completion', 'zsh'], ['completion', 'bash'], ['whoami'], ['whoami', '--json'], ['status'], ['status', '--json'], ['token'], ['api', 'Tenants/{tenant}/Namespaces'], ['api', '--paginate', 'Tenants/{tenant}/Namespaces/plant/Streams'], ['api', '-i', '--paginate', 'Tenants/{tenant}/Namespaces/plant/Streams']]) {
    const result = await withReaderGone(args, env);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    assert.ok(!hasStackTrace(result.stderr) && !/EPIPE/.test(result.stderr), `${args.join(' ')}: ${result.stderr}`);
  }
});
