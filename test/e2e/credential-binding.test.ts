// Issue 9: every stored secret goes only to the server, client and tenant it was issued for,
// and storage loses nothing to a second process, a Ctrl-C or a keychain that comes and goes.
// A second emulator plays "server B": whatever reaches it is a leak.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { lockHostId } from '../../src/store/lock.ts';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { assertFailure, CLI, closedPort, runCli, tempConfigDir } from '../helpers/cli.ts';
import { configDir, emulator, envOnly, useE2eFixture } from '../helpers/e2e-fixture.ts';
import { keychainStore, keyringSkip } from '../helpers/keychain.ts';
import { boundRecord, storePkceSession } from '../helpers/pkce-session.ts';
import { SecretWatch } from '../helpers/secret-watch.ts';

useE2eFixture();

let serverB: Emulator;
before(async () => {
  serverB = await startEmulator({ clientSecret: 'server-b-secret-for-the-same-client-id' });
});
after(() => serverB.close());

const watch = new SecretWatch();
after(() => watch.assertClean());

const credentials = async (dir = configDir) => (JSON.parse(await readFile(join(dir, 'credentials.json'), 'utf8')) as { entries: Record<string, string> }).entries;
const storedValue = (record: string | undefined) => (record === undefined ? undefined : (JSON.parse(record) as { value: string }).value);

/** Every form field server B received, secrets included: the test for a leak. */
const seenByB = () => serverB.requests.flatMap((request) => Object.values(request.body ?? {}));

async function loginClientCredentials(profile: string, env: Record<string, string | undefined>, target: Emulator = emulator): Promise<void> {
  const login = await watch.run(
    ['login', '--client-credentials', '--profile', profile, '--resource', target.resource, '--tenant-id', target.tenantId, '--client-id', target.confidentialClient.clientId, '--client-secret-stdin'],
    { env, input: target.confidentialClient.clientSecret },
  );
  assert.equal(login.code, 0, login.stderr);
  await watch.collect(String(env.OCS_AUTH_CONFIG_DIR));
}

test('OCS_RESOURCE pointing elsewhere does not carry a browser login\'s refresh token there: exit 3 naming both places', async () => {
  const { refresh_token: refreshToken } = await storePkceSession(emulator, configDir, 'default');
  watch.secret(refreshToken);
  serverB.resetCounts();
  const result = await watch.run(['token', '--force'], { env: { OCS_AUTH_CONFIG_DIR: configDir, OCS_RESOURCE: serverB.resource } });
  assertFailure(result, 3, /profile "default" is logged in at http:\/\/127\.0\.0\.1:\d+.*but the settings in force point to http:\/\/127\.0\.0\.1:\d+.*nothing was sent/);
  assert.ok(result.stderr.includes(emulator.resource) && result.stderr.includes(serverB.resource), result.stderr);
  assert.match(result.stderr, /OCS_RESOURCE points the profile elsewhere/);
  assert.equal(serverB.counts.token, 0, 'no token request reached server B');
  assert.ok(!seenByB().includes(refreshToken));

  // Without the override, the login is where it was and works.
  const home = await watch.run(['token', '--force'], { env: { OCS_AUTH_CONFIG_DIR: configDir } });
  assert.equal(home.code, 0, home.stderr);
  await watch.collect(configDir);
});

test('a flag or variable pointing elsewhere does not carry a stored client secret there', async () => {
  const env = { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'file' };
  await loginClientCredentials('prod', env);
  serverB.resetCounts();
  const moved = await watch.run(['token', '-p', 'prod', '--force', '--resource', serverB.resource], { env });
  assertFailure(moved, 3, /profile "prod" is logged in at .*nothing was sent/);
  assert.equal(serverB.counts.token, 0);
  // A variable is no such override for a profile named: the profile keeps its own server (SPEC "Configuration").
  const leftover = await watch.run(['token', '-p', 'prod', '--force'], { env: { ...env, OCS_RESOURCE: serverB.resource } });
  assert.equal(leftover.code, 0, leftover.stderr);
  assert.match(leftover.stderr, /ignoring OCS_RESOURCE/);
  assert.equal(serverB.counts.token, 0);
  assert.ok(!seenByB().includes(emulator.confidentialClient.clientSecret));

  emulator.resetCounts();
  const otherClient = await watch.run(['token', '-p', 'prod', '--force', '--client-id', emulator.publicClient.clientId], { env });
  assertFailure(otherClient, 3, /client .*nothing was sent/);
  assert.match(otherClient.stderr, /--client-id points the profile elsewhere/);
  assert.equal(emulator.counts.token, 0, 'the secret is not sent for another client either');
});

test('a changed --tenant-id or OCS_TENANT_ID does not carry a stored client secret to the other tenant (exit 3, nothing sent)', async () => {
  // The issuer and discovery URL are the tenant's own on OCS: only the tenant in the binding tells the two apart.
  const otherTenant = '00000000-0000-4000-8000-000000000002';
  const env = { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'file' };
  await loginClientCredentials('default', env);
  emulator.resetCounts();
  const flag = await watch.run(['token', '--force', '--tenant-id', otherTenant], { env });
  assertFailure(flag, 3, new RegExp(`tenant ${emulator.tenantId}.*tenant ${otherTenant}; nothing was sent`));
  // No profile named: the variable points the default profile at the other tenant.
  const variable = await watch.run(['token', '--force'], { env: { ...env, OCS_TENANT_ID: otherTenant } });
  assertFailure(variable, 3, new RegExp(`tenant ${emulator.tenantId}.*tenant ${otherTenant}; nothing was sent`));
  assert.equal(emulator.counts.token, 0, 'the secret was not sent for the other tenant');
});

test('a changed --account-id does not carry a stored CONNECT client secret to the other account (exit 2, nothing sent)', async () => {
  const connect = await startEmulator({ connect: true });
  try {
    const env = { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'file' };
    // With the discovery URL configured, the account is all that differs: the derived URL would name the account too.
    const login = await watch.run(
      ['login', '--client-credentials', '--resource', connect.resource, '--account-id', connect.connect!.accountId, '--discovery-url', connect.discoveryUrl, '--client-id', connect.confidentialClient.clientId, '--client-secret-stdin'],
      { env, input: connect.confidentialClient.clientSecret },
    );
    assert.equal(login.code, 0, login.stderr);
    await watch.collect(configDir);
    connect.resetCounts();
    const otherAccount = '00000000-0000-4000-8000-000000000003';
    const moved = await watch.run(['token', '--force', '--account-id', otherAccount], { env });
    // Refused before the stored secret is even read: the configured discovery URL names the old
    // account. The binding's own account check is in test/flows/bound-secret.test.ts.
    assertFailure(moved, 2, new RegExp(`the discovery URL is for account ${connect.connect!.accountId}, not ${otherAccount}`));
    assert.equal(connect.counts.token, 0, 'the secret was not sent for the other account');
  } finally {
    await connect.close();
  }
});

test('pointed at a server that does not even answer, the profile is said to be logged in elsewhere (exit 3), not "unreachable"', async () => {
  await storePkceSession(emulator, configDir, 'default');
  const nowhere = `http://127.0.0.1:${await closedPort()}`;
  const result = await watch.run(['token', '--force'], { env: { OCS_AUTH_CONFIG_DIR: configDir, OCS_RESOURCE: nowhere } });
  assertFailure(result, 3, new RegExp(`logged in at ${emulator.resource}.*point to ${nowhere}`));
});

test('a refresh token bound to another issuer of the same resource is not sent (exit 3)', async () => {
  await storePkceSession(emulator, configDir, 'default');
  const entries = await credentials();
  const record = JSON.parse(entries['default/pkce/refresh-token']!) as { binding: { issuer: string } };
  record.binding.issuer = `${emulator.issuer}/previous-deployment`;
  await writeFile(join(configDir, 'credentials.json'), JSON.stringify({ version: 1, entries: { ...entries, 'default/pkce/refresh-token': JSON.stringify(record) } }));
  emulator.resetCounts();
  const result = await watch.run(['token', '--force'], { env: { OCS_AUTH_CONFIG_DIR: configDir } });
  assertFailure(result, 3, /previous-deployment.*nothing was sent/);
  assert.equal(emulator.counts.token, 0);
});

test('a secret stored by configure, not yet bound to an issuer, is not sent where OCS_DISCOVERY_URL points', async () => {
  const env = { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'file' };
  const configured = await watch.run(
    ['configure', '--client-credentials', '--resource', emulator.resource, '--tenant-id', emulator.tenantId, '--client-id', emulator.confidentialClient.clientId, '--client-secret-stdin'],
    { env, input: emulator.confidentialClient.clientSecret },
  );
  assert.equal(configured.code, 0, configured.stderr);
  serverB.resetCounts();
  const elsewhere = await watch.run(['token'], { env: { ...env, OCS_DISCOVERY_URL: `${serverB.issuer}/.well-known/openid-configuration` } });
  assertFailure(elsewhere, 3, /nothing was sent/);
  assert.match(elsewhere.stderr, /OCS_DISCOVERY_URL points the profile elsewhere/);
  assert.equal(serverB.counts.token, 0);
  assert.ok(!seenByB().includes(emulator.confidentialClient.clientSecret));
});

test('a cached token is not reused, nor shown to a userinfo endpoint, once --discovery-url points elsewhere', async () => {
  const env = { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'file' };
  await loginClientCredentials('prod', env);
  serverB.resetCounts();
  const result = await watch.run(['whoami', '-p', 'prod', '--discovery-url', `${serverB.issuer}/.well-known/openid-configuration`], { env });
  assertFailure(result, 3, /nothing was sent/);
  assert.deepEqual(serverB.requests.filter((request) => request.route !== 'discovery'), [], 'server B saw no token or secret');
});

test('a token the server issued for another tenant than the configured one is refused and not cached (exit 2)', async () => {
  const otherTenant = '00000000-0000-4000-8000-000000000001';
  const result = await watch.run(['token', '--client-credentials'], { env: envOnly({ OCS_TENANT_ID: otherTenant }) });
  assertFailure(result, 2, new RegExp(`token for tenant ${emulator.tenantId}, not for the configured tenant ${otherTenant}`));
  assert.deepEqual(await readdir(join(configDir, 'tokens', 'client-credentials')).catch(() => []), []);
});

test('a changed OCS_CLIENT_SECRET is another credential: a wrong one fails at once (exit 4), cache or not', async () => {
  assert.equal((await watch.run(['token', '--client-credentials'], { env: envOnly() })).code, 0);
  emulator.resetCounts();
  assertFailure(await watch.run(['token', '--client-credentials'], { env: envOnly({ OCS_CLIENT_SECRET: 'a-mistyped-secret' }) }), 4, /invalid_client/);
  assertFailure(await watch.run(['whoami', '--client-credentials'], { env: envOnly({ OCS_CLIENT_SECRET: 'a-mistyped-secret' }) }), 4, /invalid_client/);
  assert.equal(emulator.counts.token, 2, 'each run asked the server');
  // The right secret still finds its cached token.
  emulator.resetCounts();
  assert.equal((await watch.run(['token', '--client-credentials'], { env: envOnly() })).code, 0);
  assert.equal(emulator.counts.token, 0);
  await watch.collect(configDir);
  const [cached] = await readdir(join(configDir, 'tokens', 'client-credentials'));
  const text = await readFile(join(configDir, 'tokens', 'client-credentials', cached!), 'utf8');
  assert.ok(!text.includes(emulator.confidentialClient.clientSecret), 'the token cache holds a salted hash, not the secret');
});

test('parallel refreshes of several browser logins, with a login beside them, lose no rotated refresh token', async () => {
  const profiles = ['p1', 'p2', 'p3', 'p4'];
  for (const profile of profiles) await storePkceSession(emulator, configDir, profile);
  const env = { OCS_AUTH_CONFIG_DIR: configDir };
  for (let round = 0; round < 8; round += 1) {
    const runs = profiles.map((profile) => runCli(['token', '--force', '--profile', profile], { env }));
    if (round === 3) runs.push(runCli(['login', '--client-credentials', '--profile', 'cc', '--storage', 'file', '--resource', emulator.resource, '--tenant-id', emulator.tenantId, '--client-id', emulator.confidentialClient.clientId, '--client-secret-stdin'], { env, input: emulator.confidentialClient.clientSecret }));
    const results = await Promise.all(runs);
    for (const result of results) assert.equal(result.code, 0, `round ${round}: ${result.stderr}`);
  }
  const entries = await credentials();
  assert.equal(storedValue(entries['cc/client-credentials/client-secret']), emulator.confidentialClient.clientSecret, 'the login beside the refreshes kept its secret');
  assert.equal(Object.keys(entries).length, 5);
});

test('a secret configure stores while a token run uses the old one is the one that stays', async () => {
  const env = { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'file' };
  const configure = (secret: string) =>
    watch.run(['configure', '--client-credentials', '--resource', emulator.resource, '--tenant-id', emulator.tenantId, '--client-id', emulator.confidentialClient.clientId, '--client-secret-stdin'], { env, input: secret });
  assert.equal((await configure(emulator.confidentialClient.clientSecret)).code, 0);
  emulator.addFault({ route: 'token', answerDelayMs: 1_500, times: 1 });
  const running = watch.run(['token'], { env });
  while (emulator.counts.token === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  const replaced = await configure('a-rotated-secret-not-yet-known-to-the-server');
  assert.equal(replaced.code, 0, replaced.stderr);
  assert.equal((await running).code, 0);
  assert.equal(storedValue((await credentials())['default/client-credentials/client-secret']), 'a-rotated-secret-not-yet-known-to-the-server');
  assertFailure(await watch.run(['token'], { env }), 4, /invalid_client/);
});

test('parallel logins of different profiles keep every profile in config.ini', async () => {
  const env = { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'file' };
  const profiles = Array.from({ length: 16 }, (_, index) => `p${index}`);
  const results = await Promise.all(
    profiles.map((profile) =>
      runCli(['login', '--client-credentials', '--profile', profile, '--resource', emulator.resource, '--tenant-id', emulator.tenantId, '--client-id', emulator.confidentialClient.clientId, '--client-secret-stdin'], {
        env,
        input: emulator.confidentialClient.clientSecret,
      }),
    ),
  );
  for (const result of results) assert.equal(result.code, 0, result.stderr);
  const sections = (await readFile(join(configDir, 'config.ini'), 'utf8')).match(/^\[p\d+\]$/gm) ?? [];
  assert.deepEqual(sections.sort(), profiles.map((profile) => `[${profile}]`).sort());
});

test('Ctrl-C while a refresh answer is on its way: the rotated refresh token is stored, then exit 130', async () => {
  const { refresh_token: oldRefreshToken } = await storePkceSession(emulator, configDir, 'default');
  emulator.resetCounts();
  emulator.addFault({ route: 'token', answerDelayMs: 1_500, times: 1 });
  const env = { ...process.env, OCS_AUTH_CONFIG_DIR: configDir } as NodeJS.ProcessEnv;
  const child = spawn(process.execPath, [CLI, 'token', '--force'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  while (emulator.counts.token === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  child.kill('SIGINT');
  assert.equal(await exited, 130, stderr);
  assert.match(stderr, /interrupted; the renewed login was stored first/);

  const rotated = storedValue((await credentials())['default/pkce/refresh-token']);
  assert.notEqual(rotated, oldRefreshToken, 'the rotated refresh token was stored');
  const next = await runCli(['token', '--force'], { env: { OCS_AUTH_CONFIG_DIR: configDir } });
  assert.equal(next.code, 0, `still logged in: ${next.stderr}`);
});

test('a refresh answer lost after the server rotated: login needed (exit 3), said plainly', async () => {
  await storePkceSession(emulator, configDir, 'default');
  emulator.addFault({ route: 'token', loseAnswer: true, times: 1 });
  const result = await runCli(['token', '--force'], { env: { OCS_AUTH_CONFIG_DIR: configDir } });
  assertFailure(result, 3, /refresh token was refused \(invalid_grant[^)]*\); log in again/);
  assert.match(result.stderr, /ocs-auth login --pkce/);
});

test('logout waits for a refresh in progress (the session lock) before removing anything', async () => {
  await storePkceSession(emulator, configDir, 'default');
  const locks = join(configDir, 'locks');
  await runCli(['token'], { env: { OCS_AUTH_CONFIG_DIR: configDir } });
  // This test process plays the refreshing one: alive, on this host, holding the lock.
  const lock = join(locks, 'default-pkce.lock');
  await writeFile(lock, JSON.stringify({ id: 'test-holder', pid: process.pid, host: await lockHostId() }));
  const logout = runCli(['logout'], { env: { OCS_AUTH_CONFIG_DIR: configDir } });
  let done = false;
  void logout.then(() => (done = true));
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  assert.equal(done, false, 'logout waits while the lock is held');
  assert.ok(storedValue((await credentials())['default/pkce/refresh-token']), 'nothing removed yet');
  await rm(lock);
  const result = await logout;
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(await credentials(), {});
});

test('a login kept in the file while the keychain was away is found once the keychain is back', { skip: keyringSkip }, async () => {
  const env = { OCS_AUTH_CONFIG_DIR: configDir };
  const noKeychain = { ...env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' };
  await loginClientCredentials('away', noKeychain);
  assert.ok((await credentials())['away/client-credentials/client-secret'], 'fell back to the file');

  const back = await watch.run(['token', '--profile', 'away', '--force'], { env });
  assert.equal(back.code, 0, back.stderr);
  const status = JSON.parse((await watch.run(['status', '--json'], { env })).stdout) as { profiles: Array<{ profile: string; logged_in: boolean; has_client_secret: boolean }> };
  const away = status.profiles.find((profile) => profile.profile === 'away');
  assert.equal(away?.logged_in, true);
  assert.equal(away?.has_client_secret, true);
});

test('an older copy in the keychain never shadows a newer one in the file', { skip: keyringSkip }, async () => {
  const env = { OCS_AUTH_CONFIG_DIR: configDir };
  await loginClientCredentials('twice', { ...env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
  // What a keychain write that timed out, yet went through, leaves behind: an older, stale copy.
  const stale = JSON.parse(boundRecord(emulator, 'a-stale-secret', emulator.confidentialClient.clientId)) as { stored_at: number };
  await keychainStore(configDir, 'twice/client-credentials/client-secret', JSON.stringify({ ...stale, stored_at: stale.stored_at - 60_000 }));
  const result = await watch.run(['token', '--profile', 'twice', '--force'], { env });
  assert.equal(result.code, 0, result.stderr);
});

test('two config folders with a profile "default" each keep their own keychain entry', { skip: keyringSkip }, async () => {
  const other = await tempConfigDir();
  try {
    await loginClientCredentials('default', { OCS_AUTH_CONFIG_DIR: configDir });
    await loginClientCredentials('default', { OCS_AUTH_CONFIG_DIR: other.dir }, serverB);
    const here = await watch.run(['token', '--force'], { env: { OCS_AUTH_CONFIG_DIR: configDir } });
    assert.equal(here.code, 0, here.stderr);
    const there = await watch.run(['token', '--force'], { env: { OCS_AUTH_CONFIG_DIR: other.dir } });
    assert.equal(there.code, 0, there.stderr);
    await watch.run(['logout'], { env: { OCS_AUTH_CONFIG_DIR: other.dir } });
    assert.equal((await watch.run(['token', '--force'], { env: { OCS_AUTH_CONFIG_DIR: configDir } })).code, 0, 'logout in one folder leaves the other logged in');
  } finally {
    await other.cleanup();
  }
});

test('a 4 KB access token is cached with the keychain as storage: no warning, no request on the next run', { skip: keyringSkip }, async () => {
  const roles = Array.from({ length: 90 }, (_, index) => `Role-${index.toString().padStart(3, '0')}-0a3c6e1f-9b27-4d58`);
  const large = await startEmulator({ extraAccessTokenClaims: { role: roles } });
  try {
    const env = { OCS_AUTH_CONFIG_DIR: configDir };
    await loginClientCredentials('large', env, large);
    large.resetCounts();
    const first = await watch.run(['token', '--profile', 'large'], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.ok(first.stdout.trim().length > 4000, `the token is ${first.stdout.trim().length} characters`);
    assert.doesNotMatch(first.stderr, /warning/);
    assert.equal((await watch.run(['token', '--profile', 'large'], { env })).stdout, first.stdout);
    assert.equal(large.counts.token, 0, 'both runs served from the cache');
  } finally {
    await large.close();
  }
});

test('status and config.ini name no secret', async () => {
  const env = { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'file' };
  await loginClientCredentials('shown', env);
  await watch.run(['token', '--client-credentials'], { env: envOnly() });
  const status = await watch.run(['status', '--json'], { env });
  assert.equal(status.code, 0, status.stderr);
  for (const place of [status.stdout, (await watch.run(['status'], { env })).stdout, await readFile(join(configDir, 'config.ini'), 'utf8')]) {
    assert.ok(!place.includes(emulator.confidentialClient.clientSecret));
    assert.doesNotMatch(place, /sha256|salt/);
  }
  await watch.collect(configDir);
});
