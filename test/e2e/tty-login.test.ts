// `token` on a terminal when a login is needed: it logs in first (here: the hidden client
// secret prompt) and then prints the token. script(1) gives the CLI a real pseudo-terminal.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { configDir, emulator, useE2eFixture } from '../helpers/e2e-fixture.ts';
import { needsScript, onTerminal } from '../helpers/terminal.ts';

useE2eFixture();

test('token on a terminal logs in first when it must, then prints the token', needsScript, async () => {
  const env = { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'file' };
  const configured = await runCli(
    ['configure', '--client-credentials', '--resource', emulator.resource, '--tenant-id', emulator.tenantId, '--client-id', emulator.confidentialClient.clientId],
    { env },
  );
  assert.equal(configured.code, 0, configured.stderr);

  const { code, screen } = await onTerminal(['token'], env, [[/Client secret/, `${emulator.confidentialClient.clientSecret}\r`]]);
  assert.equal(code, 0, screen);
  assert.match(screen, /no client secret stored for profile "default": logging in first/);
  assert.match(screen, /Logged in to tenant "Emulated Company"/);
  assert.ok(!screen.includes(emulator.confidentialClient.clientSecret), 'the secret is not echoed');
  const token = /^(eyJ[\w-]+\.[\w-]+\.[\w-]+)\r?$/m.exec(screen)?.[1];
  assert.ok(token, screen);

  // The login stuck: a script gets the same token without a terminal and without a request.
  emulator.resetCounts();
  const again = await runCli(['token'], { env });
  assert.equal(again.stdout.trim(), token);
  assert.equal(emulator.counts.token, 0);
});

test('a login that token starts on a terminal never moves the profile to where OCS_RESOURCE points', needsScript, async () => {
  const env = { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'file' };
  const home = 'https://euno.datahub.connect.aveva.com';
  const configured = await runCli(
    ['configure', '--client-credentials', '--resource', home, '--tenant-id', emulator.tenantId, '--client-id', emulator.confidentialClient.clientId],
    { env },
  );
  assert.equal(configured.code, 0, configured.stderr);

  const { code, screen } = await onTerminal(['token'], { ...env, OCS_RESOURCE: emulator.resource }, [[/Client secret/, `${emulator.confidentialClient.clientSecret}\r`]]);
  assert.equal(code, 0, screen);
  const profile = await readFile(join(configDir, 'config.ini'), 'utf8');
  assert.match(profile, new RegExp(`resource = ${home}`), profile);
  assert.doesNotMatch(profile, new RegExp(emulator.resource));
});
