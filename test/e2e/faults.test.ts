// Issue 6's fault-injection suite: server faults (retries and what is never retried),
// answers we cannot use, broken local state and hostile command-line input. Every failure
// is checked for its exit code, an empty stdout, no stack trace and the stored state; every
// run's stderr and every non-secret file goes through the suite-wide secrets check.
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, afterEach, test } from 'node:test';
import { assertFailure } from '../helpers/cli.ts';
import { configDir, emulator, envOnly, useE2eFixture } from '../helpers/e2e-fixture.ts';
import { keychainClear, keychainLookup, keychainStore, keyringSkip } from '../helpers/keychain.ts';
import { SecretWatch } from '../helpers/secret-watch.ts';

const watch = new SecretWatch();
// Registered before the fixture's, so it reads the config folder before that is removed.
afterEach(() => watch.collect(configDir));
useE2eFixture();
after(() => watch.assertClean());

const token = (extra: Record<string, string | undefined> = {}, args: string[] = []) => {
  watch.secret(emulator.confidentialClient.clientSecret);
  return watch.run(['token', '--client-credentials', ...args], { env: envOnly(extra) });
};

const credentialsFile = () => join(configDir, 'credentials.json');

async function storedEntries(): Promise<string[]> {
  try {
    return Object.keys((JSON.parse(await readFile(credentialsFile(), 'utf8')) as { entries: Record<string, string> }).entries);
  } catch {
    return [];
  }
}

/** A profile of the confidential client with its secret in the file store, as `login` leaves it. */
async function writeClientCredentialsProfile(): Promise<Record<string, string>> {
  await writeFile(
    join(configDir, 'config.ini'),
    `[default]\nresource = ${emulator.resource}\ntenant_id = ${emulator.tenantId}\nclient_id = ${emulator.confidentialClient.clientId}\nflow = client-credentials\nstorage = file\n`,
  );
  return { OCS_AUTH_CONFIG_DIR: configDir };
}

// --- Retries ---------------------------------------------------------------------------

test('transient 500, 502, 503 and 504 from the token endpoint are retried and the token arrives', async () => {
  for (const status of [500, 502, 503, 504]) {
    emulator.resetCounts();
    emulator.addFault({ route: 'token', status, times: 2 });
    const result = await token({}, ['--force']);
    assert.equal(result.code, 0, `${status}: ${result.stderr}`);
    assert.equal(emulator.counts.token, 3, `${status}: two failures, then success`);
  }
});

test('a reset connection is retried, at the token endpoint and at discovery', async () => {
  emulator.addFault({ route: 'discovery', destroy: true, times: 1 });
  emulator.addFault({ route: 'token', destroy: true, times: 1 });
  const result = await token();
  assert.equal(result.code, 0, result.stderr);
  assert.equal(emulator.counts.discovery, 2);
  assert.equal(emulator.counts.token, 2);
});

test('429 with Retry-After is honoured: the retry waits that long', async () => {
  emulator.addFault({ route: 'token', status: 429, headers: { 'Retry-After': '2' }, times: 1 });
  const started = Date.now();
  const result = await token();
  const took = Date.now() - started;
  assert.equal(result.code, 0, result.stderr);
  assert.equal(emulator.counts.token, 2);
  assert.ok(took >= 1900, `retried after ${took} ms, before the 2 s asked for`);
  assert.ok(took < 6000, `took ${took} ms`);
});

test('a Retry-After beyond the 10 s cap is not waited for: exit 5 at once, naming 429', async () => {
  emulator.addFault({ route: 'token', status: 429, headers: { 'Retry-After': '120' } });
  const started = Date.now();
  const result = await token();
  assertFailure(result, 5, /429/);
  assert.match(result.stderr, /hint: the server asks to be tried again in 2 min \(Retry-After\)/);
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  assert.deepEqual(await storedEntries(), []);
});

test('a 503 that lasts through the retries gets a hint that the service is down for now', async () => {
  emulator.addFault({ route: 'token', status: 503 });
  const result = await token();
  assertFailure(result, 5, /503/);
  assert.match(result.stderr, /hint: the service is unavailable for now .*try again in a few minutes/);
});

test('a persistent failure is three attempts in well under 30 s, then exit 5 with the last status', async () => {
  emulator.addFault({ route: 'token', status: 502, times: 2 });
  emulator.addFault({ route: 'token', status: 504 });
  const started = Date.now();
  assertFailure(await token(), 5, /504/);
  assert.equal(emulator.counts.token, 3);
  assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  assert.deepEqual(await storedEntries(), [], 'nothing cached');

  emulator.clearFaults();
  emulator.resetCounts();
  emulator.addFault({ route: 'token', destroy: true });
  assertFailure(await token(), 5, /connection reset/);
  assert.equal(emulator.counts.token, 3);
});

test('OCS_AUTH_HTTP_TIMEOUT bounds a request with its retries: slow failures stop retrying when time is up', async () => {
  // Each attempt fails after 700 ms; within a 1 s budget a third attempt never starts.
  emulator.addFault({ route: 'token', status: 503, delayMs: 700 });
  const started = Date.now();
  assertFailure(await token({ OCS_AUTH_HTTP_TIMEOUT: '1' }), 5, /503|timed out \(1 s, retries included\)/);
  assert.ok(emulator.counts.token <= 2, `${emulator.counts.token} attempts`);
  assert.ok(Date.now() - started < 2_500, `took ${Date.now() - started} ms`);
});

test('400 and 401 are never retried: one request each, exit 4 for rejected credentials, 2 for a bad request', async () => {
  for (const [status, error, code] of [
    [401, 'invalid_client', 4],
    [400, 'invalid_grant', 4],
    [400, 'invalid_request', 2],
    [401, undefined, 4],
  ] as const) {
    emulator.resetCounts();
    emulator.clearFaults();
    emulator.addFault({ route: 'token', status, body: error ? JSON.stringify({ error }) : 'Unauthorized' });
    assertFailure(await token(), code, error ? new RegExp(error) : /rejected/);
    assert.equal(emulator.counts.token, 1, `${status} ${error}: not retried`);
  }
  assert.deepEqual(await storedEntries(), []);
});

test('a transient discovery failure is retried; a persistent one is exit 5 naming the status', async () => {
  emulator.addFault({ route: 'discovery', status: 503, times: 1 });
  assert.equal((await token()).code, 0);
  assert.equal(emulator.counts.discovery, 2);

  await writeFile(join(configDir, 'cache', (await readdir(join(configDir, 'cache')))[0]!), 'not json');
  emulator.addFault({ route: 'discovery', status: 502 });
  assertFailure(await token({}, ['--force']), 5, /502/);
});

// --- Answers we cannot use -------------------------------------------------------------

test('token answers we cannot use are exit 5 and nothing is cached', async () => {
  for (const [body, message] of [
    ['{"token_type":"Bearer","expires_in":3600}', /without an access_token/],
    ['{"access_token":"abc","token_type":"Bearer","expires_in":"soon"}', /expires_in/],
    ['{"access_token":"abc","token_type":"mac","expires_in":3600}', /token_type "mac"/],
    ['{"access_token":', /not JSON/],
    ['[1,2,3]', /not JSON/],
  ] as const) {
    emulator.clearFaults();
    emulator.addFault({ route: 'token', status: 200, body });
    assertFailure(await token(), 5, message);
  }
  assert.deepEqual(await storedEntries(), []);
});

test('a discovery document whose issuer or endpoints are on another origin is refused', async () => {
  // An issuer elsewhere is most likely the wrong --resource (issue 13): exit 2 naming it.
  emulator.addFault({ route: 'discovery', transform: (document) => ({ ...document, issuer: 'https://attacker.example/identity' }) });
  const wrongIssuer = await token();
  assertFailure(wrongIssuer, 2, /names issuer https:\/\/attacker\.example, another origin/);
  assert.match(wrongIssuer.stderr, /if https:\/\/attacker\.example is the right server, use it in --resource/);
  emulator.clearFaults();
  emulator.addFault({ route: 'discovery', transform: (document) => ({ ...document, token_endpoint: 'https://attacker.example/identity' }) });
  assertFailure(await token(), 5, /points token_endpoint to https:\/\/attacker\.example.*refusing/);
  assert.equal(emulator.counts.token, 0, 'the secret went nowhere');
  assertFailure(await token({ OCS_RESOURCE: 'http://ocs.example.com' }), 2, /https/);
});

test('OCS_RESOURCE=http://localhost:PORT against an issuer on 127.0.0.1 is exit 2 naming the issuer as the fix (issue 13)', async () => {
  const result = await token({ OCS_RESOURCE: emulator.resource.replace('127.0.0.1', 'localhost') });
  assertFailure(result, 2, new RegExp(`names issuer ${emulator.resource.replace(/\./g, '\\.')}, another origin than http://localhost:`));
  assert.match(result.stderr, new RegExp(`if ${emulator.resource.replace(/\./g, '\\.')} is the right server, use it in --resource`));
  assert.equal(emulator.counts.token, 0);
});

// --- Broken local state ----------------------------------------------------------------

test('a damaged credentials.json is login needed (exit 3) naming the file; login moves it aside, never overwrites it', async () => {
  const env = await writeClientCredentialsProfile();
  const damaged = '{"version":1,"entries":{"default/client-credentials/client-secret":"trunc';
  await writeFile(credentialsFile(), damaged, { mode: 0o600 });

  const result = await watch.run(['token'], { env });
  assertFailure(result, 3, /login/);
  assert.ok(result.stderr.includes(credentialsFile()), result.stderr);
  assert.match(result.stderr, /damaged/);
  assert.equal(await readFile(credentialsFile(), 'utf8'), damaged, 'left as it was');
  const status = await watch.run(['status'], { env });
  assert.equal(status.code, 1, 'nobody logged in');
  assert.match(status.stderr, /damaged/);
  assert.equal(await readFile(credentialsFile(), 'utf8'), damaged, 'status left it too');

  const login = await watch.run(['login', '--client-secret-stdin'], { env, input: emulator.confidentialClient.clientSecret });
  assert.equal(login.code, 0, login.stderr);
  const aside = (await readdir(configDir)).filter((name) => name.startsWith('credentials.json.damaged-'));
  assert.equal(aside.length, 1, 'moved aside');
  assert.equal(await readFile(join(configDir, aside[0]!), 'utf8'), damaged, 'every byte kept');
  assert.ok(login.stderr.includes(join(configDir, aside[0]!)), login.stderr);
  assert.equal((await watch.run(['token'], { env })).code, 0);
});

test('with OCS_CLIENT_SECRET, a damaged credentials.json does not stop the token, and is left as it is', async () => {
  await writeFile(credentialsFile(), '\u0000\u0001 garbage', { mode: 0o600 });
  const result = await token();
  assert.equal(result.code, 0, result.stderr);
  assert.equal(await readFile(credentialsFile(), 'utf8'), '\u0000\u0001 garbage', 'env-only mode needs no secret storage');
});

test('config.ini that is garbage or a folder is exit 2 naming the file (and line)', async () => {
  await writeFile(join(configDir, 'config.ini'), '[default]\ntenant_id = x\nthis is not ini\n');
  assertFailure(await watch.run(['token'], { env: { OCS_AUTH_CONFIG_DIR: configDir } }), 2, /config\.ini:3/);
  await writeFile(join(configDir, 'config.ini'), '[default]\n]\n');
  assertFailure(await watch.run(['status'], { env: { OCS_AUTH_CONFIG_DIR: configDir } }), 2, /config\.ini:2/);

  const folder = join(configDir, 'as-folder');
  await mkdir(join(folder, 'config.ini'), { recursive: true });
  assertFailure(await watch.run(['token'], { env: { OCS_AUTH_CONFIG_DIR: folder } }), 2, new RegExp(`cannot read ${join(folder, 'config.ini')}`));
});

test('a config folder that cannot be written is exit 2 naming it, for token, configure and login', async () => {
  await writeFile(join(configDir, 'a-file'), '');
  const unwritable = join(configDir, 'a-file', 'ocs-auth');
  const env = envOnly({ OCS_AUTH_CONFIG_DIR: unwritable });
  assertFailure(await watch.run(['token', '--client-credentials'], { env }), 2, /cannot (read|write) .*a-file/);
  assertFailure(
    await watch.run(['configure', '--resource', emulator.resource, '--tenant-id', 't', '--client-id', 'c'], { env: { OCS_AUTH_CONFIG_DIR: unwritable } }),
    2,
    /cannot (read|write) .*a-file/,
  );
  assertFailure(await watch.run(['login', '--client-credentials'], { env }), 2, /cannot (read|write) .*a-file/);
});

test('--storage keychain with no keychain reachable is exit 2 suggesting --storage file', async () => {
  const env = envOnly({ OCS_AUTH_STORAGE: undefined, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
  assertFailure(
    await watch.run(['token', '--client-credentials', '--storage', 'keychain'], { env: { ...env, OCS_CLIENT_SECRET: undefined } }),
    2,
    /keychain is not reachable[\s\S]*--storage file/,
  );
  assertFailure(await watch.run(['login', '--client-credentials', '--storage', 'keychain'], { env, input: '' }), 2, /keychain is not reachable[\s\S]*--storage file/);
  assert.deepEqual((await readdir(configDir)).filter((name) => name !== 'cache' && name !== 'locks'), [], 'no secret anywhere else');
});

test('keychain entries that are not ours read as no login (exit 3) and are left in place', { skip: keyringSkip }, async () => {
  const profile = `foreign-${process.pid}`;
  const entry = `${profile}/pkce/refresh-token`;
  await keychainStore(configDir, entry, 'not-a-refresh-token-anyone-issued');
  // The profile exists (a profile named on the command line must): only its secret is foreign.
  await writeFile(join(configDir, 'config.ini'), `[${profile}]\nflow = pkce\n`);
  try {
    const result = await watch.run(['token', '--pkce', '--profile', profile, '--storage', 'keychain'], {
      env: { OCS_AUTH_CONFIG_DIR: configDir, OCS_RESOURCE: emulator.resource, OCS_TENANT_ID: emulator.tenantId, OCS_CLIENT_ID: emulator.publicClient.clientId },
    });
    assertFailure(result, 3, /no refresh token stored/);
    assert.match(result.stderr, new RegExp(`ocs-auth login --pkce --profile ${profile}`));
    assert.equal(emulator.counts.token, 0, 'nothing was sent');
    assert.equal(await keychainLookup(configDir, entry), 'not-a-refresh-token-anyone-issued');
  } finally {
    await keychainClear(configDir, entry);
  }
});

// --- Hostile command-line input --------------------------------------------------------

test('profile names that could inject into config.ini are refused (exit 2), at every way in, and nothing is written', async () => {
  const configure = ['configure', '--pkce', '--resource', emulator.resource, '--tenant-id', 't', '--client-id', 'c'];
  for (const name of ['a]b', 'a\nb', '[evil]', 'a.b', 'a b', '', '-x', 'x'.repeat(65)]) {
    assertFailure(await watch.run([...configure, '--profile', name], { env: { OCS_AUTH_CONFIG_DIR: configDir } }), 2, /invalid profile name|argument missing/);
    if (name !== '') assertFailure(await watch.run(['token'], { env: { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_PROFILE: name } }), 2, /invalid profile name/);
  }
  assertFailure(await watch.run([...configure, '--scope', 'openid\n[evil]\nresource = https://evil.example'], { env: { OCS_AUTH_CONFIG_DIR: configDir } }), 2, /single line/);
  assert.deepEqual(await readdir(configDir), []);
});
