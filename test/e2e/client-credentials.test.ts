import assert from 'node:assert/strict';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import zlib from 'node:zlib';
import { configDir, emulator, envOnly, useE2eFixture } from '../helpers/e2e-fixture.ts';
import { assertFailure, closedPort, runCli } from '../helpers/cli.ts';
import { keychainLookup, keyringSkip } from '../helpers/keychain.ts';

useE2eFixture();

/** What the config folder holds besides the discovery cache and lock files. */
function storedFiles(names: string[]): string[] {
  return names.filter((name) => name !== 'cache' && name !== 'locks').sort();
}

function jwtClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

async function assertTenantAccepts(token: string): Promise<void> {
  const response = await fetch(`${emulator.resource}/api/v1/Tenants/${emulator.tenantId}`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(response.status, 200);
  assert.equal(((await response.json()) as { CompanyName: string }).CompanyName, emulator.tenantName);
}

test('env-only: the four variables give a token on stdout and nothing else, with no config file', async () => {
  const result = await runCli(['token', '--client-credentials'], { env: envOnly() });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
  const token = result.stdout.trim();
  assert.equal(jwtClaims(token).tid, emulator.tenantId);
  await assertTenantAccepts(token);
  const grant = emulator.requests.find((request) => request.route === 'token')!;
  assert.equal(grant.body?.grant_type, 'client_credentials');
  assert.equal(grant.body?.client_secret, emulator.confidentialClient.clientSecret, 'client_secret_post');
  assert.equal(grant.body?.scope, undefined, 'no scope unless configured, like the OCS samples');
  assert.ok(!(await readdir(configDir)).includes('config.ini'), 'token writes no config');
});

test('a cached token is reused without any request; --force and --min-validity get a new one', async () => {
  const first = await runCli(['token', '--client-credentials'], { env: envOnly() });
  assert.equal(emulator.counts.token, 1);
  const second = await runCli(['token', '--client-credentials'], { env: envOnly() });
  assert.equal(second.stdout, first.stdout);
  assert.equal(emulator.counts.token, 1);
  assert.equal(emulator.counts.discovery, 1);

  const forced = await runCli(['token', '--client-credentials', '--force'], { env: envOnly() });
  assert.equal(forced.code, 0);
  assert.equal(emulator.counts.token, 2);
  const longer = await runCli(['token', '--client-credentials', '--min-validity', '4000'], { env: envOnly() });
  assert.equal(longer.code, 0);
  assert.equal(emulator.counts.token, 3, 'a token with less than --min-validity left is renewed');
});

test('discovery and token answers compressed as a CDN front end does are read, with the best encoding this Node can decode', async () => {
  emulator.compressAnswers();
  const result = await runCli(['token', '--client-credentials', '--force'], { env: envOnly() });
  assert.equal(result.code, 0, result.stderr);
  await assertTenantAccepts(result.stdout.trim());
  const token = emulator.requests.filter((request) => request.route === 'token').at(-1);
  // Node 22.15 and later decode zstd, and got asks for it there: the newest Nodes take the
  // path a build made on Node 20 must not lose.
  const best = typeof (zlib as { zstdDecompressSync?: unknown }).zstdDecompressSync === 'function' ? 'zstd' : 'br';
  assert.equal(token?.contentEncoding, best);
});

test('a cached token is not handed out for another tenant or client', async () => {
  await runCli(['token', '--client-credentials'], { env: envOnly() });
  await runCli(['token', '--client-credentials'], { env: envOnly({ OCS_TENANT_ID: 'another-tenant' }) });
  assert.equal(emulator.counts.token, 2);
});

test('configure without a TTY names the missing flags; with them it writes a 0600 profile without the secret', async () => {
  const env = { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'file' };
  assertFailure(await runCli(['configure'], { env }), 2, /missing --resource, --tenant-id or --account-id, --client-id/);

  const configured = await runCli(
    ['configure', '--resource', emulator.resource, '--tenant-id', emulator.tenantId, '--client-id', emulator.confidentialClient.clientId, '--client-credentials'],
    { env },
  );
  assert.equal(configured.code, 0, configured.stderr);
  const ini = await readFile(join(configDir, 'config.ini'), 'utf8');
  assert.match(ini, /\[default\]/);
  assert.match(ini, /flow = client-credentials/);
  assert.equal((await stat(join(configDir, 'config.ini'))).mode & 0o777, 0o600);

  assertFailure(await runCli(['token'], { env }), 3, /login/);

  const login = await runCli(['login', '--client-secret-stdin'], { env, input: `${emulator.confidentialClient.clientSecret}\n` });
  assert.equal(login.code, 0, login.stderr);
  assert.equal(login.stdout, '');
  assert.match(login.stderr, new RegExp(`Logged in to tenant "${emulator.tenantName}" \\(${emulator.tenantId}\\) as client ${emulator.confidentialClient.clientId}`));
  assert.equal(login.stderr.trim().split('\n').length, 1, 'login ends with one line');
  assert.doesNotMatch(await readFile(join(configDir, 'config.ini'), 'utf8'), /secret/i);

  emulator.resetCounts();
  const token = await runCli(['token'], { env });
  assert.equal(token.code, 0, token.stderr);
  assert.equal(emulator.counts.token, 0, 'login left a cached token');
  await assertTenantAccepts(token.stdout.trim());
});

test('login with a wrong secret exits 4 and stores nothing', async () => {
  const result = await runCli(['login', '--client-credentials', '--client-secret-stdin'], {
    env: { ...envOnly({ OCS_CLIENT_SECRET: undefined }) },
    input: 'wrong-secret',
  });
  assertFailure(result, 4, /invalid_client/);
  assert.deepEqual(storedFiles(await readdir(configDir)), []);
  assertFailure(await runCli(['token', '--client-credentials'], { env: envOnly({ OCS_CLIENT_SECRET: 'wrong' }) }), 4, /rejected/);
});

test("configure --from imports the samples' appsettings.json and warns that the file still holds the secret", async () => {
  const appsettings = join(configDir, 'appsettings.json');
  await writeFile(
    appsettings,
    JSON.stringify({
      Resource: emulator.resource,
      ApiVersion: 'v1',
      TenantId: emulator.tenantId,
      ClientId: emulator.confidentialClient.clientId,
      ClientSecret: emulator.confidentialClient.clientSecret,
    }),
  );
  const env = { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'file' };
  const imported = await runCli(['configure', '--profile', 'sample', '--from', appsettings], { env });
  assert.equal(imported.code, 0, imported.stderr);
  assert.match(imported.stderr, /appsettings\.json still holds the client secret/);
  assert.doesNotMatch(await readFile(join(configDir, 'config.ini'), 'utf8'), new RegExp(emulator.confidentialClient.clientSecret));

  const token = await runCli(['token', '--profile', 'sample'], { env });
  assert.equal(token.code, 0, token.stderr);
  await assertTenantAccepts(token.stdout.trim());
});

test('bad configuration is exit 2 with one clear line', async () => {
  assertFailure(await runCli(['token', '--client-credentials'], { env: envOnly({ OCS_RESOURCE: undefined }) }), 2, /missing --resource/);
  assertFailure(await runCli(['token', '--client-credentials'], { env: envOnly({ OCS_RESOURCE: 'not a url' }) }), 2, /invalid resource URL/);
  assertFailure(await runCli(['token', '--client-credentials'], { env: envOnly({ OCS_RESOURCE: 'http://ocs.example.com' }) }), 2, /https/);
  await writeFile(join(configDir, 'config.ini'), '[default]\nresource = https://x\n\u0000garbage\u0001\n');
  assertFailure(await runCli(['token'], { env: { OCS_AUTH_CONFIG_DIR: configDir } }), 2, /config\.ini:3/);
  assertFailure(await runCli(['token', '--storage', 'cloud'], { env: envOnly() }), 2, /Allowed choices/);
});

test('network trouble is exit 5: refused connection, unknown host, timeout', async () => {
  assertFailure(await runCli(['token', '--client-credentials'], { env: envOnly({ OCS_RESOURCE: `http://127.0.0.1:${await closedPort()}` }) }), 5, /connection refused/);
  assertFailure(await runCli(['token', '--client-credentials'], { env: envOnly({ OCS_RESOURCE: 'https://no-such-host.invalid' }) }), 5, /cannot reach no-such-host\.invalid/);

  emulator.addFault({ route: 'token', delayMs: 3000 });
  assertFailure(await runCli(['token', '--client-credentials'], { env: envOnly({ OCS_AUTH_HTTP_TIMEOUT: '1' }) }), 5, /timed out/);
});

test('answers we cannot use are exit 5: HTML from the token endpoint, discovery without token_endpoint, a persistent 503', async () => {
  emulator.addFault({ route: 'token', status: 200, body: '<html><body>Maintenance</body></html>', contentType: 'text/html' });
  assertFailure(await runCli(['token', '--client-credentials'], { env: envOnly() }), 5, /not JSON/);
  emulator.clearFaults();

  // Discovery faults need a cold discovery cache.
  await rm(join(configDir, 'cache'), { recursive: true, force: true });
  emulator.addFault({ route: 'discovery', transform: (document) => ({ ...document, token_endpoint: undefined }) });
  assertFailure(await runCli(['token', '--client-credentials'], { env: envOnly() }), 5, /no token_endpoint/);
  emulator.clearFaults();

  emulator.addFault({ route: 'discovery', transform: (document) => ({ ...document, token_endpoint: 'https://attacker.example/token' }) });
  assertFailure(await runCli(['token', '--client-credentials'], { env: envOnly() }), 5, /refusing/);
  emulator.clearFaults();

  emulator.resetCounts();
  emulator.addFault({ route: 'token', status: 503 });
  assertFailure(await runCli(['token', '--client-credentials'], { env: envOnly() }), 5, /503/);
  assert.equal(emulator.counts.token, 3, 'three attempts, then give up');
});

test('a transient 503 is retried and the token still arrives', async () => {
  emulator.addFault({ route: 'token', status: 503, times: 1 });
  const result = await runCli(['token', '--client-credentials'], { env: envOnly() });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(emulator.counts.token, 2);
});

test('--verbose traces HTTP on stderr with the secret and the token redacted', async () => {
  const result = await runCli(['token', '--client-credentials', '--verbose'], { env: envOnly() });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /> POST .*\/identity\/connect\/token grant_type=client_credentials&client_id=\S+&client_secret=\*\*\*/);
  assert.match(result.stderr, /< 200 /);
  assert.ok(!result.stderr.includes(emulator.confidentialClient.clientSecret));
  assert.ok(!result.stderr.includes(result.stdout.trim()));
});

test('with a keychain, login keeps the secret there and writes no credentials file', { skip: keyringSkip }, async () => {
  const profile = `kc-${process.pid}`;
  const env = { OCS_AUTH_CONFIG_DIR: configDir };
  const login = await runCli(
    ['login', '--client-credentials', '--profile', profile, '--resource', emulator.resource, '--tenant-id', emulator.tenantId, '--client-id', emulator.confidentialClient.clientId, '--client-secret-stdin'],
    { env, input: emulator.confidentialClient.clientSecret },
  );
  assert.equal(login.code, 0, login.stderr);
  assert.doesNotMatch(login.stderr, /warning/);
  const stored = JSON.parse((await keychainLookup(configDir, `${profile}/client-credentials/client-secret`))!) as { value: string };
  assert.equal(stored.value, emulator.confidentialClient.clientSecret);
  assert.deepEqual(storedFiles(await readdir(configDir)), ['config.ini', 'tokens']);
  const token = await runCli(['token', '--profile', profile], { env });
  assert.equal(token.code, 0, token.stderr);
});

test('with no keychain reachable, the file takes over with one warning naming it', async () => {
  const env = envOnly({ OCS_AUTH_STORAGE: undefined, OCS_CLIENT_SECRET: undefined, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
  const result = await runCli(['login', '--client-credentials', '--client-secret-stdin'], { env, input: emulator.confidentialClient.clientSecret });
  assert.equal(result.code, 0, result.stderr);
  const credentials = join(configDir, 'credentials.json');
  assert.equal(result.stderr.match(/warning:/g)?.length, 1, result.stderr);
  assert.ok(result.stderr.includes(credentials), result.stderr);
  assert.equal((await stat(credentials)).mode & 0o777, 0o600);
});
