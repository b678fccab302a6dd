// Issue 18: a person's day across sessions. Which session a command acts on follows one rule
// (SPEC "Configuration"): a profile named explicitly keeps where it points over leftover OCS_*
// variables; with no profile named, the four CI variables are a session of their own, one
// name everywhere, whatever a browser login saved in [default].
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertFailure, runCli } from '../helpers/cli.ts';
import { configDir, emulator, envOnly, storedEntries, useE2eFixture } from '../helpers/e2e-fixture.ts';
import { storePkceSession } from '../helpers/pkce-session.ts';

useE2eFixture();

interface StatusJson {
  profiles: Array<{ profile: string; flow: string; logged_in: boolean }>;
}

test('after a browser login saved [default] flow = pkce, the four CI variables are their own client-credentials session: one name in token --json, whoami, status and logout, which ends it', async () => {
  await storePkceSession(emulator, configDir, 'default');
  const env = envOnly();

  const token = await runCli(['token', '--json'], { env });
  assert.equal(token.code, 0, token.stderr);
  const { profile: name, flow } = JSON.parse(token.stdout) as { profile: string; flow: string };
  assert.equal(flow, 'client-credentials');
  assert.match(name, /^env-[0-9a-f]+$/);
  assert.equal(token.stderr, '');

  const whoami = await runCli(['whoami', '--json'], { env });
  assert.equal(whoami.code, 0, whoami.stderr);
  assert.equal((JSON.parse(whoami.stdout) as { profile: string }).profile, name);

  const status = await runCli(['status', '--json'], { env });
  const listed = (JSON.parse(status.stdout) as StatusJson).profiles;
  assert.deepEqual(
    listed.map(({ profile, flow, logged_in }) => ({ profile, flow, logged_in })),
    [
      { profile: 'default', flow: 'pkce', logged_in: true },
      { profile: name, flow: 'client-credentials', logged_in: true },
    ],
  );

  const logout = await runCli(['logout'], { env });
  assert.equal(logout.code, 0, logout.stderr);
  assert.match(logout.stderr, new RegExp(`Logged out of ${name}`));
  const left = Object.keys(await storedEntries());
  assert.ok(!left.some((entry) => entry.startsWith(name)), left.join(', '));
  assert.ok(left.includes('default/pkce/refresh-token'), 'the browser login is another session, and stays');
});

test('a profile named with -p or OCS_AUTH_PROFILE wins over leftover OCS_* variables, naming each once; flags still win; OCS_CLIENT_SECRET still supplies its secret', async () => {
  const login = await runCli(
    ['login', '--client-credentials', '-p', 'cc', '--resource', emulator.resource, '--tenant-id', emulator.tenantId, '--client-id', emulator.confidentialClient.clientId, '--client-secret-stdin'],
    { env: { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'file' }, input: emulator.confidentialClient.clientSecret },
  );
  assert.equal(login.code, 0, login.stderr);
  const leftovers = { OCS_AUTH_CONFIG_DIR: configDir, OCS_RESOURCE: 'http://127.0.0.1:9', OCS_TENANT_ID: 'another-tenant', OCS_CLIENT_ID: 'another-client' };

  // Twice each: the second is served from the cache, before the CLI loads, and says the same.
  for (const [args, env] of [
    [['token', '-p', 'cc'], leftovers],
    [['token', '-p', 'cc'], leftovers],
    [['token'], { ...leftovers, OCS_AUTH_PROFILE: 'cc' }],
    [['token'], { ...leftovers, OCS_AUTH_PROFILE: 'cc' }],
  ] as const) {
    const result = await runCli([...args], { env });
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stdout, /^[\w.-]+\n$/);
    const lines = result.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    for (const variable of ['OCS_RESOURCE', 'OCS_TENANT_ID', 'OCS_CLIENT_ID']) assert.equal(lines[0]!.split(variable).length, 2, `${variable} named once: ${lines[0]}`);
    assert.match(lines[0]!, /profile "cc"/);
  }
  assert.equal(emulator.counts.token, 1, 'the login\'s token, served from the cache since');

  // A flag still wins: the profile's stored secret is not carried to another tenant.
  assertFailure(await runCli(['token', '-p', 'cc', '--tenant-id', 'another-tenant'], { env: leftovers }), 3, /profile "cc" is logged in at/);

  // A profile with no stored secret takes it from OCS_CLIENT_SECRET, at its own tenant.
  await writeFile(
    join(configDir, 'config.ini'),
    `[ci]\nresource = ${emulator.resource}\ntenant_id = ${emulator.tenantId}\nclient_id = ${emulator.confidentialClient.clientId}\nflow = client-credentials\n`,
    { flag: 'a' },
  );
  const secretOnly = await runCli(['token', '-p', 'ci', '--json'], { env: { ...leftovers, OCS_CLIENT_SECRET: emulator.confidentialClient.clientSecret } });
  assert.equal(secretOnly.code, 0, secretOnly.stderr);
  assert.equal((JSON.parse(secretOnly.stdout) as { tenant_id: string }).tenant_id, emulator.tenantId);
});
