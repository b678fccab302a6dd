import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { shortHash } from '../../src/store/short-hash.ts';
import { storePkceSession } from '../helpers/pkce-session.ts';
import { configDir, emulator, envOnly, useE2eFixture } from '../helpers/e2e-fixture.ts';
import { CLI, closedPort, hasStackTrace, runCli } from '../helpers/cli.ts';
import { keychainAccount, keychainAccounts, keychainLookup, keyringSkip } from '../helpers/keychain.ts';

useE2eFixture();

const credentialsFile = () => join(configDir, 'credentials.json');
const readCredentials = async () => (JSON.parse(await readFile(credentialsFile(), 'utf8')) as { entries: Record<string, string> }).entries;
const storedValue = (record: string | undefined) => (record === undefined ? undefined : (JSON.parse(record) as { value: string }).value);

test('20 parallel token processes on a cold cache make one token request and print one token', async () => {
  const results = await Promise.all(Array.from({ length: 20 }, () => runCli(['token', '--client-credentials'], { env: envOnly() })));
  for (const result of results) assert.equal(result.code, 0, result.stderr);
  assert.equal(new Set(results.map((result) => result.stdout)).size, 1);
  assert.equal(emulator.counts.token, 1);
});

test('a lock left by a killed holder is recovered within seconds', async () => {
  // The holder waits on a slow token endpoint with the lock held, and is killed there.
  emulator.addFault({ route: 'token', delayMs: 10_000, times: 1 });
  const holder = spawn(process.execPath, [CLI, 'token', '--client-credentials'], { env: { ...process.env, ...envOnly() } as NodeJS.ProcessEnv, stdio: 'ignore' });
  const deadline = Date.now() + 5_000;
  while (emulator.counts.token === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(emulator.counts.token, 1, 'the holder reached the token endpoint');
  holder.kill('SIGKILL');
  await new Promise((resolve) => holder.on('exit', resolve));

  const started = Date.now();
  const result = await runCli(['token', '--client-credentials'], { env: envOnly() });
  assert.equal(result.code, 0, result.stderr);
  assert.ok(Date.now() - started < 3_000, `took ${Date.now() - started} ms`);
});

test('an empty lock file left by a crash between create and write is recovered; finished runs leave none', async () => {
  assert.equal((await runCli(['token', '--client-credentials'], { env: envOnly() })).code, 0);
  const locks = join(configDir, 'locks');
  assert.deepEqual(await readdir(locks), [], 'a finished run leaves no lock behind');

  const lock = join(locks, `env-${shortHash(`${emulator.resource}\n${emulator.tenantId}\n${emulator.confidentialClient.clientId}`)}-client-credentials.lock`);
  await writeFile(lock, '');
  const old = new Date(Date.now() - 10_000);
  await utimes(lock, old, old);
  const result = await runCli(['token', '--client-credentials', '--force'], { env: envOnly() });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(await readdir(locks), []);
});

test('the discovery document is cached: a forced token makes no discovery request', async () => {
  await runCli(['token', '--client-credentials'], { env: envOnly() });
  await runCli(['token', '--client-credentials', '--force'], { env: envOnly() });
  assert.equal(emulator.counts.discovery, 1);
  assert.equal(emulator.counts.token, 2);
});

test('a cached discovery document that leads nowhere is fetched again once', async () => {
  await runCli(['token', '--client-credentials'], { env: envOnly() });
  const cacheDir = join(configDir, 'cache');
  const [entry] = await readdir(cacheDir);
  const cached = JSON.parse(await readFile(join(cacheDir, entry!), 'utf8')) as { metadata: { token_endpoint: string } };
  cached.metadata.token_endpoint = `http://127.0.0.1:${await closedPort()}/identity/connect/token`;
  await writeFile(join(cacheDir, entry!), JSON.stringify(cached));

  emulator.resetCounts();
  const result = await runCli(['token', '--client-credentials', '--force'], { env: envOnly() });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(emulator.counts.discovery, 1, 'fetched again');
  assert.equal(emulator.counts.token, 1);
});

test('PKCE: the refresh token is used, the rotated one stored, the old one dead', async () => {
  const oldRefreshToken = (await storePkceSession(emulator, configDir, 'default')).refresh_token;
  emulator.resetCounts();
  const env = { OCS_AUTH_CONFIG_DIR: configDir };
  const first = await runCli(['token'], { env });
  assert.equal(first.code, 0, first.stderr);
  assert.equal(emulator.counts.token, 1);
  const newRefreshToken = storedValue((await readCredentials())['default/pkce/refresh-token']);
  assert.ok(newRefreshToken && newRefreshToken !== oldRefreshToken, 'rotated refresh token stored');

  const tenant = await fetch(`${emulator.resource}/api/v1/Tenants/${emulator.tenantId}`, { headers: { Authorization: `Bearer ${first.stdout.trim()}` } });
  assert.equal(tenant.status, 200);

  const cached = await runCli(['token'], { env });
  assert.equal(cached.stdout, first.stdout);
  assert.equal(emulator.counts.token, 1, 'cache hit, no refresh');

  // Age the cached token past the renewal threshold, then let 8 processes find it stale at once.
  const cachedTokenFile = join(configDir, 'tokens', 'pkce', 'default.json');
  await writeFile(cachedTokenFile, JSON.stringify({ ...JSON.parse(await readFile(cachedTokenFile, 'utf8')), expires_at: Date.now() + 10_000 }));
  const parallel = await Promise.all(Array.from({ length: 8 }, () => runCli(['token'], { env })));
  for (const result of parallel) assert.equal(result.code, 0, result.stderr);
  assert.equal(new Set(parallel.map((result) => result.stdout)).size, 1);
  assert.equal(emulator.counts.token, 2, 'parallel refreshes of one rotating token would log the user out: exactly one happened');

  const replay = await fetch(`${emulator.resource}/identity/connect/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'refresh_token', client_id: emulator.publicClient.clientId, refresh_token: oldRefreshToken }),
  });
  assert.equal(replay.status, 400);
  assert.equal(((await replay.json()) as { error: string }).error, 'invalid_grant');
});

test('PKCE: a refused refresh means login needed: exit 3 without a TTY, naming the command', async () => {
  await storePkceSession(emulator, configDir, 'work');
  emulator.revokeAllTokens();
  const result = await runCli(['token', '--profile', 'work'], { env: { OCS_AUTH_CONFIG_DIR: configDir } });
  assert.equal(result.code, 3, result.stderr);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /ocs-auth login --pkce --profile work/);
  assert.ok(!hasStackTrace(result.stderr));
});

test('status lists every profile; logout revokes and removes every stored item; token then exits 3', async () => {
  await storePkceSession(emulator, configDir, 'default');
  const env = { OCS_AUTH_CONFIG_DIR: configDir };
  assert.equal((await runCli(['token'], { env })).code, 0);

  const status = await runCli(['status', '--json'], { env });
  assert.equal(status.code, 0, status.stderr);
  const [profile] = (JSON.parse(status.stdout) as { profiles: Array<Record<string, unknown>> }).profiles;
  assert.equal(profile!.profile, 'default');
  assert.equal(profile!.flow, 'pkce');
  assert.equal(profile!.logged_in, true);
  assert.equal(profile!.has_refresh_token, true);
  assert.ok(Date.parse(String(profile!.token_expires_at)) > Date.now());
  assert.equal(profile!.storage, 'file');
  const human = await runCli(['status'], { env });
  assert.match(human.stdout, /default \(pkce\)/);
  // A browser login names the person (from the cached token), and times read as whoami's: local, with the offset.
  assert.match(human.stdout, new RegExp(`logged in as ${emulator.user.name} <${emulator.user.email}>`));
  assert.match(human.stdout, /expires \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d \(in (\d+h )?\d+m\)/);
  assert.equal(profile!.user, `${emulator.user.name} <${emulator.user.email}>`);

  emulator.resetCounts();
  const logout = await runCli(['logout'], { env });
  assert.equal(logout.code, 0, logout.stderr);
  assert.match(logout.stderr, /Logged out of default: revoked the refresh token at the server, removed 1 item from \S+credentials\.json and 1 item from the token cache/);
  // JWT access tokens cannot be recalled: the message must not pretend otherwise.
  assert.match(logout.stderr, /access token issued before stays valid until it expires \(in \d+(h \d+)?m\)/);
  assert.equal(emulator.counts.revocation, 2);
  assert.deepEqual(await readCredentials(), {});
  assert.deepEqual(await readdir(join(configDir, 'tokens', 'pkce')), []);

  const token = await runCli(['token'], { env });
  assert.equal(token.code, 3);
  assert.match(token.stderr, /ocs-auth login --pkce/);
  // Nobody logged in is exit 1, as `gh auth status`; --json still prints the document.
  const after = await runCli(['status', '--json'], { env });
  assert.equal(after.code, 1);
  assert.equal(JSON.parse(after.stdout).profiles[0].logged_in, false);
  assert.equal((await runCli(['status'], { env })).code, 1);
});

test('logout --all empties the keychain of every profile, and the token cache of env sessions', { skip: keyringSkip }, async () => {
  const profile = `all-${process.pid}`;
  const env = { OCS_AUTH_CONFIG_DIR: configDir };
  const login = await runCli(
    ['login', '--client-credentials', '--profile', profile, '--resource', emulator.resource, '--tenant-id', emulator.tenantId, '--client-id', emulator.confidentialClient.clientId, '--client-secret-stdin'],
    { env, input: emulator.confidentialClient.clientSecret },
  );
  assert.equal(login.code, 0, login.stderr);
  assert.equal((await runCli(['token', '--client-credentials'], { env: envOnly({ OCS_AUTH_STORAGE: undefined }) })).code, 0);
  const secretEntry = `${profile}/client-credentials/client-secret`;
  assert.equal(JSON.parse((await keychainLookup(configDir, secretEntry))!).value, emulator.confidentialClient.clientSecret);
  assert.equal((await readdir(join(configDir, 'tokens', 'client-credentials'))).length, 2, 'the profile and the env session');

  const logout = await runCli(['logout', '--all'], { env });
  assert.equal(logout.code, 0, logout.stderr);
  assert.equal(await keychainLookup(configDir, secretEntry), undefined);
  assert.deepEqual((await keychainAccounts()).filter((account) => account === keychainAccount(configDir, secretEntry)), []);
  assert.deepEqual(await readdir(join(configDir, 'tokens', 'client-credentials')), []);
  const token = await runCli(['token', '--profile', profile], { env });
  assert.equal(token.code, 3, token.stderr);
});

test('logout --all also removes what ocs-auth 0.1.0 filed in the keychain under no config folder', { skip: keyringSkip }, async () => {
  const account = `old-${process.pid}/client-credentials/client-secret`;
  const store = spawn('secret-tool', ['store', '--label', 'ocs-auth 0.1.0', 'service', 'ocs-auth', 'username', account]);
  store.stdin.on('error', () => {}); // a secret-tool that fails early says so in its exit code
  store.stdin.end('a-secret-from-the-first-release');
  assert.equal(await new Promise((resolve) => store.on('exit', resolve)), 0);
  assert.ok((await keychainAccounts()).includes(account));

  const logout = await runCli(['logout', '--all'], { env: { OCS_AUTH_CONFIG_DIR: configDir } });
  assert.equal(logout.code, 0, logout.stderr);
  assert.match(logout.stderr, /Removed 1 keychain item an older ocs-auth stored/);
  assert.ok(!(await keychainAccounts()).includes(account));
});
