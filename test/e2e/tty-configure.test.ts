// `configure -p X` on a terminal for a profile that has everything: every value is offered
// as the default, so Enter keeps it and typing changes it. script(1) gives a real terminal.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { configDir, emulator, useE2eFixture } from '../helpers/e2e-fixture.ts';
import { needsScript, onTerminal } from '../helpers/terminal.ts';

useE2eFixture();

test('configure on a terminal offers a complete profile for editing, its values as defaults', needsScript, async () => {
  const profile = `[work]\nresource = ${emulator.resource}\ntenant_id = ${emulator.tenantId}\nclient_id = ${emulator.publicClient.clientId}\nflow = pkce\n`;
  await writeFile(join(configDir, 'config.ini'), profile);
  const newClient = '11111111-2222-4333-8444-555555555555';
  const { code, screen } = await onTerminal(['configure', '-p', 'work'], { OCS_AUTH_CONFIG_DIR: configDir }, [
    [/Resource URL/, '\r'],
    [/Tenant id/, '\r'],
    [/Client id/, `${newClient}\r`],
    [/How does this client log in/, '\r'],
    [/Namespace for API calls/, 'plant\r'],
  ]);
  assert.equal(code, 0, screen);
  assert.ok(screen.includes(emulator.resource) && screen.includes(emulator.tenantId), 'current values shown');
  const ini = await readFile(join(configDir, 'config.ini'), 'utf8');
  assert.match(ini, new RegExp(`resource = ${emulator.resource}\\n`));
  assert.match(ini, new RegExp(`tenant_id = ${emulator.tenantId}\\n`));
  assert.match(ini, new RegExp(`client_id = ${newClient}\\n`));
  assert.match(ini, /flow = pkce\n/);
  assert.match(ini, /namespace = plant\n/, 'the namespace prompt, optional, comes last');
});

test('configure on a terminal warns of a non-GUID id at once, asks for a discovery URL it cannot derive, and names the next step', needsScript, async () => {
  const discoveryUrl = `${emulator.resource}/identity/.well-known/openid-configuration`;
  const { code, screen } = await onTerminal(['configure', '-p', 'cds', '--resource', emulator.resource, '--client-credentials'], { OCS_AUTH_CONFIG_DIR: configDir }, [
    [/Which platform is this/, '\u001b[B\r'],
    [/Account id/, 'acct\r'],
    [/Client id/, 'c1\r'],
    [/Namespace for API calls/, '\r'],
    [/OpenID configuration URL/, `${discoveryUrl}\r`],
  ]);
  assert.equal(code, 0, screen);
  const warning = screen.indexOf('client id "c1" does not look like an OCS id');
  assert.ok(warning !== -1 && warning < screen.indexOf('OpenID configuration URL'), screen);
  assert.match(screen, /next: ocs-auth login -p cds/);
  assert.match(await readFile(join(configDir, 'config.ini'), 'utf8'), new RegExp(`discovery_url = ${discoveryUrl}\\n`));
});
