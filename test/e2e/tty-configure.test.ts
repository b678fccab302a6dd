// `configure -p X` on a terminal for a profile that has everything: every value is offered
// as the default, so Enter keeps it and typing changes it. script(1) gives a real terminal.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI } from '../helpers/cli.ts';
import { configDir, emulator, useE2eFixture } from '../helpers/e2e-fixture.ts';

useE2eFixture();

const SCRIPT = '/usr/bin/script';

/** Answers each prompt in turn: `answers[i]` is typed once `prompts[i]` shows. */
function converse(args: string, prompts: RegExp[], answers: string[]): Promise<{ code: number | null; screen: string }> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('OCS_')) env[key] = value;
    const child = spawn(SCRIPT, ['-qec', `exec "${process.execPath}" "${CLI}" ${args}`, '/dev/null'], { env: { ...env, OCS_AUTH_CONFIG_DIR: configDir }, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    let next = 0;
    let seen = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      screen += text;
      while (next < prompts.length && prompts[next]!.test(screen.slice(seen))) {
        seen = screen.length;
        child.stdin.write(`${answers[next++]}\r`);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, screen });
    });
  });
}

test('configure on a terminal offers a complete profile for editing, its values as defaults', { skip: !existsSync(SCRIPT) && 'no script(1)' }, async () => {
  const profile = `[work]\nresource = ${emulator.resource}\ntenant_id = ${emulator.tenantId}\nclient_id = ${emulator.publicClient.clientId}\nflow = pkce\n`;
  await writeFile(join(configDir, 'config.ini'), profile);
  const newClient = '11111111-2222-4333-8444-555555555555';
  const { code, screen } = await converse('configure -p work', [/Resource URL/, /Tenant id/, /Client id/, /How does this client log in/], ['', '', newClient, '']);
  assert.equal(code, 0, screen);
  assert.ok(screen.includes(emulator.resource) && screen.includes(emulator.tenantId), 'current values shown');
  const ini = await readFile(join(configDir, 'config.ini'), 'utf8');
  assert.match(ini, new RegExp(`resource = ${emulator.resource}\\n`));
  assert.match(ini, new RegExp(`tenant_id = ${emulator.tenantId}\\n`));
  assert.match(ini, new RegExp(`client_id = ${newClient}\\n`));
  assert.match(ini, /flow = pkce\n/);
});
