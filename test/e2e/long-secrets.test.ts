// Refresh tokens longer than a Windows Credential Manager entry holds (1,280 characters), on
// the real keychain (gnome-keyring) held to Windows' limit: a device-code login, refreshes
// that rotate them, six parallel refreshes and logout, with the built CLI against the emulator.
import assert from 'node:assert/strict';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { approveDeviceCode } from '../helpers/device-approval.ts';
import { runCli, type CliResult } from '../helpers/cli.ts';
import { configDir, emulator, useE2eFixture } from '../helpers/e2e-fixture.ts';
import { keychainAccount, keychainAccounts, keychainLookup, keychainStore, keyringSkip } from '../helpers/keychain.ts';
import { storePkceSession } from '../helpers/pkce-session.ts';

useE2eFixture({ deviceFlow: { interval: 1 } });

const WINDOWS_ENTRY_CHARACTERS = 1280;

/** The keychain as Windows has it: no entry over 1,280 characters. */
function keychainEnv(): Record<string, string> {
  return { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'keychain', OCS_AUTH_TEST_KEYCHAIN_ENTRY_LIMIT: String(WINDOWS_ENTRY_CHARACTERS) };
}

/** `login --device-code`, the code entered in headless Chromium as a person would. */
async function deviceCodeLogin(): Promise<CliResult> {
  let stderr = '';
  let approval: Promise<string> | undefined;
  const result = await runCli(['login', '--device-code', '--scope', 'openid ocsapi offline_access'], {
    env: { ...keychainEnv(), OCS_RESOURCE: emulator.resource, OCS_TENANT_ID: emulator.tenantId, OCS_CLIENT_ID: emulator.deviceClient.clientId },
    onStderr: (text) => {
      stderr += text;
      const uri = /open this page in a browser.*\n\s+(http\S+)\n/.exec(stderr)?.[1];
      const code = /enter the code:\s+(\S+)/.exec(stderr)?.[1];
      // The complete URI's line comes last: once it is there, the code is whole.
      if (uri && code && /which has the code in it:\n\s+http\S+\n/.test(stderr)) approval ??= approveDeviceCode(uri, code, emulator.user);
    },
  });
  assert.ok(approval, `the code was shown: ${result.stderr}`);
  assert.match(await approval, /success/i);
  return result;
}

/** The refresh tokens the CLI has sent the server, in order. */
function refreshTokensSent(): string[] {
  return emulator.requests.filter((request) => request.route === 'token' && request.body?.grant_type === 'refresh_token').map((request) => request.body!.refresh_token!);
}

/** This config folder's keychain entries, by account ("default/device-code/refresh-token"). */
async function keychainEntries(): Promise<Map<string, string>> {
  const prefix = keychainAccount(configDir, '');
  const entries = new Map<string, string>();
  for (const name of await keychainAccounts()) {
    if (!name.startsWith(prefix)) continue;
    const account = name.slice(prefix.length);
    entries.set(account, (await keychainLookup(configDir, account))!);
  }
  return entries;
}

async function assertNoEntryOverWindowsLimit(): Promise<void> {
  for (const [account, value] of await keychainEntries()) {
    assert.ok(value.length <= WINDOWS_ENTRY_CHARACTERS, `${account} holds ${value.length} characters`);
  }
}

/** Every file under the config folder, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1));
}

/** Makes the cached access token due for renewal, as time would. */
async function ageCachedToken(flow: string): Promise<void> {
  const file = join(configDir, 'tokens', flow, 'default.json');
  await writeFile(file, JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')), expires_at: Date.now() + 10_000 }));
}

for (const length of [3000, 10_000]) {
  test(`${length}-character refresh tokens on a keychain held to Windows' limit: login, two refreshes, six parallel ones, logout leaving nothing`, { skip: keyringSkip }, async () => {
    emulator.setRefreshTokenLength(length);
    const login = await deviceCodeLogin();
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stderr, /Logged in to tenant "Emulated Company"/);
    assert.ok((await keychainEntries()).has('default/device-code/refresh-token'));
    await assertNoEntryOverWindowsLimit();

    // Two refreshes: each sends the whole refresh token the last answer rotated to.
    const env = keychainEnv();
    emulator.resetCounts();
    for (const _ of [1, 2]) {
      const forced = await runCli(['token', '--force'], { env });
      assert.equal(forced.code, 0, forced.stderr);
    }
    const [first, second] = refreshTokensSent();
    assert.equal(first?.length, length);
    assert.equal(second?.length, length);
    assert.notEqual(first, second, 'the rotated refresh token was stored and used');
    await assertNoEntryOverWindowsLimit();

    // Six processes find the cached token due at once: one refresh between them, and the
    // token it rotated to is the one stored (the next refresh works with it).
    await ageCachedToken('device-code');
    emulator.resetCounts();
    const parallel = await Promise.all(Array.from({ length: 6 }, () => runCli(['token'], { env })));
    for (const result of parallel) assert.equal(result.code, 0, result.stderr);
    assert.equal(new Set(parallel.map((result) => result.stdout)).size, 1, 'one token for all six');
    assert.equal(emulator.counts.token, 1, 'one token request');
    const after = await runCli(['token', '--force'], { env });
    assert.equal(after.code, 0, after.stderr);
    assert.equal(emulator.counts.token, 2);
    assert.equal(new Set(refreshTokensSent()).size, 2, 'each refresh spent a new refresh token');

    const status = await runCli(['status', '--json'], { env });
    const [profile] = (JSON.parse(status.stdout) as { profiles: Array<{ logged_in: boolean; has_refresh_token: boolean }> }).profiles;
    assert.deepEqual([profile?.logged_in, profile?.has_refresh_token], [true, true]);
    assert.ok((await filesUnder(configDir)).some((file) => file.startsWith('sealed/')), 'the refresh token is sealed into the config folder');

    const logout = await runCli(['logout'], { env });
    assert.equal(logout.code, 0, logout.stderr);
    assert.match(logout.stderr, /revoked the refresh token at the server/);
    assert.deepEqual([...(await keychainEntries()).keys()], [], 'no keychain entry left');
    const left = await filesUnder(configDir);
    assert.deepEqual(
      left.filter((file) => !/^(config\.ini|cache\/[^/]+\.json)$/.test(file)),
      [],
      `only the profile and the discovery cache stay: ${left.join(', ')}`,
    );
    for (const file of left) {
      const text = await readFile(join(configDir, file), 'utf8');
      for (const token of refreshTokensSent()) assert.ok(!text.includes(token.slice(0, 40)), `${file} holds no refresh token`);
    }
  });
}

test('an entry an earlier ocs-auth wrote still refreshes, and the 1,100-character token the server rotates to is kept', { skip: keyringSkip }, async () => {
  emulator.setRefreshTokenLength(undefined);
  // What an earlier ocs-auth left: the refresh token and its binding in the entry itself.
  const { refresh_token: old } = await storePkceSession(emulator, configDir, 'default');
  const credentials = JSON.parse(await readFile(join(configDir, 'credentials.json'), 'utf8')) as { entries: Record<string, string> };
  await keychainStore(configDir, 'default/pkce/refresh-token', credentials.entries['default/pkce/refresh-token']!);
  await rm(join(configDir, 'credentials.json'));
  await writeFile(join(configDir, 'config.ini'), (await readFile(join(configDir, 'config.ini'), 'utf8')).replace('storage = file', 'storage = keychain'));

  emulator.setRefreshTokenLength(1100);
  emulator.resetCounts();
  const env = keychainEnv();
  const first = await runCli(['token'], { env });
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(refreshTokensSent(), [old], 'the old entry was read');
  await assertNoEntryOverWindowsLimit();

  const second = await runCli(['token', '--force'], { env });
  assert.equal(second.code, 0, second.stderr);
  assert.equal(refreshTokensSent()[1]?.length, 1100, 'the rotated token was kept whole');
  assert.equal((await runCli(['logout'], { env })).code, 0);
  assert.deepEqual([...(await keychainEntries()).keys()], []);
  assert.deepEqual((await filesUnder(configDir)).filter((file) => file.startsWith('sealed/')), []);
});

test('a refresh answer the CLI cannot use still has its rotated refresh token stored: the next run is not logged out', { skip: keyringSkip }, async () => {
  emulator.setRefreshTokenLength(3000);
  assert.equal((await deviceCodeLogin()).code, 0);
  const env = keychainEnv();
  // The server rotates the refresh token, but its answer is one the CLI refuses (exit 5).
  emulator.addFault({ route: 'token', times: 1, transform: (answer) => ({ ...answer, token_type: 'mac' }) });
  const broken = await runCli(['token', '--force'], { env });
  assert.equal(broken.code, 5, broken.stderr);
  emulator.resetCounts();
  const next = await runCli(['token', '--force'], { env });
  assert.equal(next.code, 0, next.stderr);
  assert.equal(refreshTokensSent()[0]?.length, 3000);
  assert.equal((await runCli(['logout'], { env })).code, 0);
});
