// Issue 18: a person's day across sessions. Which session a command acts on follows one rule
// (SPEC "Configuration"): a profile named explicitly keeps where it points over leftover OCS_*
// variables; with no profile named, the four CI variables are a session of their own, one
// name everywhere, whatever a browser login saved in [default].
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertFailure, runCli } from '../helpers/cli.ts';
import { configDir, emulator, envOnly, storedEntries, useE2eFixture } from '../helpers/e2e-fixture.ts';
import { storePkceSession } from '../helpers/pkce-session.ts';

useE2eFixture();

interface ProfileStatus {
  profile: string;
  flow: string;
  logged_in: boolean;
  reason: string | null;
  refused_at: string | null;
  user: string | null;
  storage_location: string | null;
  has_refresh_token: boolean;
}

interface StatusJson {
  profiles: ProfileStatus[];
}

const status = async (args: string[], env: Record<string, string | undefined>) => {
  const result = await runCli(['status', '--json', ...args], { env });
  return { code: result.code, stderr: result.stderr, profiles: (JSON.parse(result.stdout) as StatusJson).profiles };
};

test('after a browser login saved [default] flow = pkce, the four CI variables are their own client-credentials session: one name in token --json, whoami, status and logout, which ends it', async () => {
  await storePkceSession(emulator, configDir, 'default');
  const env = envOnly();

  // Logged in before its first token: `token` would succeed without a login, the secret being right here.
  const before = await status([], env);
  assert.equal(before.code, 0, before.stderr);
  assert.deepEqual(
    before.profiles.map(({ flow, logged_in, reason }) => ({ flow, logged_in, reason })),
    [
      { flow: 'pkce', logged_in: true, reason: null },
      { flow: 'client-credentials', logged_in: true, reason: null },
    ],
  );

  const token = await runCli(['token', '--json'], { env });
  assert.equal(token.code, 0, token.stderr);
  const { profile: name, flow } = JSON.parse(token.stdout) as { profile: string; flow: string };
  assert.equal(before.profiles[1]!.profile, name);
  assert.equal(flow, 'client-credentials');
  assert.match(name, /^env-[0-9a-f]+$/);
  assert.equal(token.stderr, '');

  const whoami = await runCli(['whoami', '--json'], { env });
  assert.equal(whoami.code, 0, whoami.stderr);
  assert.equal((JSON.parse(whoami.stdout) as { profile: string }).profile, name);

  const listed = (await status([], env)).profiles;
  assert.deepEqual(
    listed.map(({ profile, flow, logged_in }) => ({ profile, flow, logged_in })),
    [
      { profile: 'default', flow: 'pkce', logged_in: true },
      { profile: name, flow: 'client-credentials', logged_in: true },
    ],
  );
  // Storage is named only where something is stored: the environment's session keeps no secret.
  assert.match(listed[0]!.storage_location ?? '', /credentials\.json$/);
  assert.equal(listed[1]!.storage_location, null);
  const human = await runCli(['status', '-p', name], { env });
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, new RegExp(`^${name} \\(client-credentials\\)`));
  assert.match(human.stdout, /logged in/);
  assert.doesNotMatch(human.stdout, /credentials\.json|secrets in|keychain/);

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

test('a stored client secret the server refuses is not logged in, since when, until the server takes it again', async () => {
  const login = await runCli(
    ['login', '--client-credentials', '-p', 'cc', '--resource', emulator.resource, '--tenant-id', emulator.tenantId, '--client-id', emulator.confidentialClient.clientId, '--client-secret-stdin'],
    { env: { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'file' }, input: emulator.confidentialClient.clientSecret },
  );
  assert.equal(login.code, 0, login.stderr);
  const env = { OCS_AUTH_CONFIG_DIR: configDir };

  // The cached access token has gone (it expired), and an administrator has deleted the secret.
  await rm(join(configDir, 'tokens'), { recursive: true, force: true });
  emulator.addFault({ route: 'token', status: 401, body: JSON.stringify({ error: 'invalid_client', error_description: 'client secret deleted' }) });
  const refusing = Date.now();
  assertFailure(await runCli(['token', '-p', 'cc'], { env }), 4, /invalid_client/);
  const refused = await status(['-p', 'cc'], env);
  assert.equal(refused.code, 1, 'the named profile is not logged in');
  assert.equal(refused.profiles[0]!.logged_in, false);
  assert.match(refused.profiles[0]!.reason ?? '', /the server refused the stored client secret/);
  const refusedAt = Date.parse(refused.profiles[0]!.refused_at ?? '');
  assert.ok(refusedAt >= refusing - 1000 && refusedAt <= Date.now(), `refused_at ${refused.profiles[0]!.refused_at}`);
  const human = await runCli(['status', '-p', 'cc'], { env });
  assert.match(human.stdout, /not logged in: the server refused the stored client secret .*\n {2}to log in: ocs-auth login --client-credentials/);

  // The administrator restores the client: the same secret works again, and status says so.
  emulator.clearFaults();
  assert.equal((await runCli(['token', '-p', 'cc'], { env })).code, 0);
  const again = await status(['-p', 'cc'], env);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual([again.profiles[0]!.logged_in, again.profiles[0]!.refused_at], [true, null]);
  await rm(join(configDir, 'tokens'), { recursive: true, force: true });
  const stillGood = await status(['-p', 'cc'], env);
  assert.equal(stillGood.profiles[0]!.logged_in, true, 'the refusal is forgotten once the server took the secret again, not only while a token is cached');
});

test('a browser login whose refresh the server refused is not logged in, with why: status -p exits 1, as `token` does', async () => {
  await storePkceSession(emulator, configDir, 'default');
  const env = { OCS_AUTH_CONFIG_DIR: configDir };
  const fine = await status(['-p', 'default'], env);
  assert.equal(fine.code, 0, fine.stderr);
  assert.deepEqual(fine.profiles.map(({ profile, logged_in }) => ({ profile, logged_in })), [{ profile: 'default', logged_in: true }]);

  // An hour later the server has forgotten the session (a revocation, a password change).
  emulator.revokeAllTokens();
  const refusing = Date.now();
  assertFailure(await runCli(['token'], { env }), 3, /refresh token was refused/);
  const refused = await status(['-p', 'default'], env);
  assert.equal(refused.code, 1, 'the named profile is not logged in');
  assert.equal(refused.profiles.length, 1);
  assert.equal(refused.profiles[0]!.logged_in, false);
  assert.match(refused.profiles[0]!.reason ?? '', /the server refused the refresh token/);
  // When: the person's session ended then, not at whatever time they look.
  const refusedAt = Date.parse(refused.profiles[0]!.refused_at ?? '');
  assert.ok(refusedAt >= refusing - 1000 && refusedAt <= Date.now(), `refused_at ${refused.profiles[0]!.refused_at}`);
  const human = await runCli(['status'], { env });
  assert.equal(human.code, 1);
  assert.match(human.stdout, /not logged in: the server refused the refresh token .*\n.*ocs-auth login --pkce/);
  assert.match(human.stdout, /\n {2}refused by the server \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d \(\d+s ago\)\n/);

  // A new login is logged in again.
  await writeFile(join(configDir, 'config.ini'), '');
  await storePkceSession(emulator, configDir, 'default');
  assert.equal((await status(['-p', 'default'], env)).code, 0);

  assertFailure(await runCli(['status', '-p', 'nosuch'], { env }), 2, /profile "nosuch" does not exist/);
});

test('a profile whose settings changed since its login is not logged in, with what changed, as `token` then fails', async () => {
  await storePkceSession(emulator, configDir, 'default');
  const env = { OCS_AUTH_CONFIG_DIR: configDir };
  const configure = await runCli(['configure', '--client-id', emulator.deviceClient.clientId], { env });
  assert.equal(configure.code, 0, configure.stderr);

  const changed = await status(['-p', 'default'], env);
  assert.equal(changed.code, 1);
  assert.equal(changed.profiles[0]!.logged_in, false);
  assert.match(changed.profiles[0]!.reason ?? '', new RegExp(`settings changed since the login: client ${emulator.publicClient.clientId}, now ${emulator.deviceClient.clientId}`));
  assert.equal(changed.profiles[0]!.has_refresh_token, true, 'still stored: configure back, and it works again');
  assertFailure(await runCli(['token'], { env }), 3, /is logged in at/);
});

test('a profile whose secret comes from OCS_CLIENT_SECRET: status shows its cached token under its own name, and no second session for it', async () => {
  await writeFile(
    join(configDir, 'config.ini'),
    `[ci]\nresource = ${emulator.resource}\ntenant_id = ${emulator.tenantId}\nclient_id = ${emulator.confidentialClient.clientId}\nflow = client-credentials\n`,
    { mode: 0o600 },
  );
  const withSecret = { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'file', OCS_CLIENT_SECRET: emulator.confidentialClient.clientSecret };
  assert.equal((await runCli(['token', '-p', 'ci'], { env: withSecret })).code, 0);

  const there = await status([], withSecret);
  assert.equal(there.code, 0, there.stderr);
  assert.deepEqual(there.profiles.map((entry) => [entry.profile, entry.logged_in]), [['ci', true]]);
  assert.ok((there.profiles[0] as ProfileStatus & { token_expires_at: string | null }).token_expires_at, 'the token `token -p ci` cached');

  // Another shell, without the secret: `token -p ci` needs a login there, and so status says.
  const elsewhere = await status([], { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'file' });
  assert.equal(elsewhere.code, 1, elsewhere.stderr);
  assert.deepEqual(elsewhere.profiles.map((entry) => [entry.profile, entry.logged_in, entry.reason]), [['ci', false, 'no client secret stored']]);
  assertFailure(await runCli(['token', '-p', 'ci'], { env: { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'file' } }), 3, /login|secret/);
});
