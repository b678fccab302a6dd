// What a new user trips over in the first minutes (issue 13): the built CLI as a child
// process, against the emulator where a server is involved.
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { configDir, emulator, envOnly, useE2eFixture } from '../helpers/e2e-fixture.ts';
import { assertFailure, closedPort, runCli } from '../helpers/cli.ts';
import { storePkceSession } from '../helpers/pkce-session.ts';

useE2eFixture();

test('bare `ocs-auth` prints its help on stdout with exit 0, as gh does', async () => {
  const result = await runCli([], { env: { OCS_AUTH_CONFIG_DIR: configDir } });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^Usage: ocs-auth/);
  assert.equal(result.stderr, '');
});

test('an unknown command suggests only a plausible typo', async () => {
  const bogus = await runCli(['bogus'], { env: { OCS_AUTH_CONFIG_DIR: configDir } });
  assertFailure(bogus, 2, /unknown command 'bogus'/);
  assert.doesNotMatch(bogus.stderr, /Did you mean/);
  const typo = await runCli(['tokn'], { env: { OCS_AUTH_CONFIG_DIR: configDir } });
  assertFailure(typo, 2, /\(Did you mean token\?\)/);
});

test("a usage error points to the subcommand's own help", async () => {
  const result = await runCli(['token', '--bogus'], { env: { OCS_AUTH_CONFIG_DIR: configDir } });
  assertFailure(result, 2, /unknown option '--bogus'\n\(see ocs-auth token --help\)\n$/);
});

async function writeConfig(text: string): Promise<void> {
  await writeFile(join(configDir, 'config.ini'), text, { mode: 0o600 });
}

const TWO_PROFILES = (resource: string) => `[staging]\nresource = ${resource}\ntenant_id = t\nclient_id = c\n\n[prod]\nresource = ${resource}\ntenant_id = t\nclient_id = c\n`;

test('an unknown profile is exit 2 naming the profiles that exist, closest first, even with a complete environment', async () => {
  await writeConfig(TWO_PROFILES(emulator.resource));
  for (const [args, extra] of [
    [['token', '-p', 'prdo'], {}],
    [['whoami'], { OCS_AUTH_PROFILE: 'prdo' }],
    [['exec', '-p', 'prdo', '--', 'true'], {}],
  ] as const) {
    const result = await runCli([...args], { env: envOnly(extra) });
    assertFailure(result, 2, /profile "prdo" does not exist/);
    assert.match(result.stderr, /prod, staging/, result.stderr);
  }
  assert.equal(emulator.counts.token, 0);
  // No profile named: the environment alone still works.
  const envSession = await runCli(['token'], { env: envOnly() });
  assert.equal(envSession.code, 0, envSession.stderr);
});

test('logout of an unknown profile is exit 2, not "was not logged in"', async () => {
  await writeConfig(TWO_PROFILES(emulator.resource));
  assertFailure(await runCli(['logout', '-p', 'prdo'], { env: envOnly() }), 2, /profile "prdo" does not exist.*\n.*prod, staging/);
});

test('logout --all wipes what is stored even when config.ini is broken', async () => {
  const token = await runCli(['token'], { env: envOnly() });
  assert.equal(token.code, 0, token.stderr);
  await writeConfig('this is not ini\n');
  const result = await runCli(['logout', '--all'], { env: envOnly() });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /config\.ini/);
  assert.match(result.stderr, /Logged out of env-/);
  assert.deepEqual(await readdir(join(configDir, 'tokens', 'client-credentials')).catch(() => []), []);
});

const CLIENT = () => emulator.confidentialClient.clientId;

test('configure reads OCS_RESOURCE, OCS_TENANT_ID and OCS_CLIENT_ID without a TTY', async () => {
  const env = { OCS_AUTH_CONFIG_DIR: configDir, OCS_RESOURCE: emulator.resource, OCS_TENANT_ID: emulator.tenantId, OCS_CLIENT_ID: CLIENT() };
  const result = await runCli(['configure', '-p', 'envp', '--client-credentials'], { env });
  assert.equal(result.code, 0, result.stderr);
  const ini = await readFile(join(configDir, 'config.ini'), 'utf8');
  assert.match(ini, new RegExp(`\\[envp\\]\\nresource = ${emulator.resource}\\n`));
  assert.match(ini, new RegExp(`tenant_id = ${emulator.tenantId}`));
});

test('configure never picks a flow silently: without a TTY or a secret it asks for --pkce or --client-credentials', async () => {
  const env = { OCS_AUTH_CONFIG_DIR: configDir };
  const flags = ['--resource', emulator.resource, '--tenant-id', emulator.tenantId, '--client-id', CLIENT()];
  assertFailure(await runCli(['configure', ...flags], { env }), 2, /--pkce or --client-credentials/);
  await assert.rejects(readFile(join(configDir, 'config.ini')), 'nothing written');
  // A secret only fits client credentials.
  const withSecret = await runCli(['configure', ...flags, '--client-secret-stdin'], { env: { ...env, OCS_AUTH_STORAGE: 'file' }, input: 'secret\n' });
  assert.equal(withSecret.code, 0, withSecret.stderr);
  assert.match(await readFile(join(configDir, 'config.ini'), 'utf8'), /flow = client-credentials/);
  // The profile has a flow now: changing another setting keeps it.
  const rerun = await runCli(['configure', '--scope', 'openid ocsapi offline_access'], { env });
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.match(await readFile(join(configDir, 'config.ini'), 'utf8'), /flow = client-credentials/);
});

test('configure warns (and still saves) when a tenant or client id is clearly not an id', async () => {
  const result = await runCli(['configure', '--pkce', '--resource', emulator.resource, '--tenant-id', 't1', '--client-id', 'c'], { env: { OCS_AUTH_CONFIG_DIR: configDir } });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /warning: tenant id "t1" does not look like an OCS id \(a GUID/);
  assert.match(result.stderr, /warning: client id "c" does not look like an OCS id/);
  const good = await runCli(['configure', '-p', 'good', '--pkce', '--resource', emulator.resource, '--tenant-id', emulator.tenantId, '--client-id', CLIENT()], {
    env: { OCS_AUTH_CONFIG_DIR: configDir },
  });
  assert.doesNotMatch(good.stderr, /warning/);
});

test('OCS_RESOURCE on localhost against an issuer on 127.0.0.1 is a configuration mistake (exit 2) naming the issuer origin', async () => {
  const resource = emulator.resource.replace('127.0.0.1', 'localhost');
  const result = await runCli(['token'], { env: envOnly({ OCS_RESOURCE: resource }) });
  assertFailure(result, 2, new RegExp(emulator.resource.replace(/[.]/g, '\\.')));
});

test('a flag that fits only the other flow is exit 2 at once, naming the conflict, also when the flow comes from the profile', async () => {
  const pkce = { OCS_AUTH_CONFIG_DIR: configDir, OCS_RESOURCE: emulator.resource, OCS_TENANT_ID: emulator.tenantId, OCS_CLIENT_ID: emulator.publicClient.clientId, OCS_AUTH_STORAGE: 'file' };
  await writeConfig(`[pk]\nresource = ${emulator.resource}\ntenant_id = ${emulator.tenantId}\nclient_id = ${emulator.publicClient.clientId}\nflow = pkce\n`);
  const started = Date.now();
  assertFailure(await runCli(['login', '-p', 'pk', '--client-secret-stdin'], { env: pkce, input: 'secret\n' }), 2, /--client-secret-stdin .*client credentials.*profile "pk" logs in with pkce/);
  assertFailure(await runCli(['login', '--pkce', '--client-secret-stdin'], { env: pkce, input: 'secret\n' }), 2, /--client-secret-stdin/);
  for (const flags of [['--no-browser'], ['--redirect-uri', 'http://127.0.0.1:5004/callback.html'], ['--timeout', '5']]) {
    assertFailure(await runCli(['login', '--client-credentials', ...flags], { env: envOnly() }), 2, new RegExp(`${flags[0]} .*browser login`));
  }
  assertFailure(await runCli(['configure', '--pkce', '--client-secret-stdin'], { env: pkce, input: 'secret\n' }), 2, /--client-secret-stdin/);
  assert.ok(Date.now() - started < 20_000, 'no wait for a browser');
  assert.equal(emulator.counts.token, 0);
});

test('a browser login without a terminal says at once that it waits for the URL to be opened', async () => {
  const env = { OCS_AUTH_CONFIG_DIR: configDir, OCS_RESOURCE: emulator.resource, OCS_TENANT_ID: emulator.tenantId, OCS_CLIENT_ID: emulator.publicClient.clientId, OCS_AUTH_STORAGE: 'file', DISPLAY: undefined, WAYLAND_DISPLAY: undefined };
  let stderr = '';
  let waiting: () => void = () => {};
  const said = new Promise<void>((resolve) => (waiting = resolve));
  const login = runCli(['login', '--pkce', '--timeout', '3', '--redirect-uri', `http://127.0.0.1:${await closedPort()}/callback.html`], {
    env,
    onStderr: (text) => {
      stderr += text;
      if (/waiting/i.test(stderr)) waiting();
    },
  });
  await Promise.race([said, login]);
  assert.match(stderr, /Waiting up to 3 s for the URL above to be opened in a browser/);
  assert.equal((await login).code, 3);
});

test('--min-validity above the token\'s whole life warns instead of renewing silently on every call', async () => {
  const first = await runCli(['token', '--min-validity', '4000'], { env: envOnly() });
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stderr.match(/--min-validity 4000 s is more than the token's whole life \(3600 s\)/g)?.length, 1, first.stderr);
  const usual = await runCli(['token'], { env: envOnly() });
  assert.equal(usual.stderr, '');
});

test('token --force on a browser login without a refresh token says what --force needs', async () => {
  await storePkceSession(emulator, configDir, 'default');
  const env = { OCS_AUTH_CONFIG_DIR: configDir };
  assert.equal((await runCli(['token'], { env })).code, 0);
  // A login without offline_access: an access token, no refresh token.
  await writeFile(join(configDir, 'credentials.json'), JSON.stringify({ version: 1, entries: {} }), { mode: 0o600 });
  const forced = await runCli(['token', '--force'], { env });
  assertFailure(forced, 2, /--force needs a refresh token/);
  assert.match(forced.stderr, /offline_access/);
  assert.equal((await runCli(['token'], { env })).code, 0, 'the cached token is still served');
});

test('token --force on a device-code login without a refresh token says the same', async () => {
  await storePkceSession(emulator, configDir, 'default');
  const env = { OCS_AUTH_CONFIG_DIR: configDir };
  assert.equal((await runCli(['token'], { env })).code, 0);
  // The same session as a device-code login without offline_access: an access token, no refresh token.
  const config = join(configDir, 'config.ini');
  await writeFile(config, (await readFile(config, 'utf8')).replace('flow = pkce', 'flow = device-code'));
  await mkdir(join(configDir, 'tokens', 'device-code'), { recursive: true });
  await rename(join(configDir, 'tokens', 'pkce', 'default.json'), join(configDir, 'tokens', 'device-code', 'default.json'));
  await writeFile(join(configDir, 'credentials.json'), JSON.stringify({ version: 1, entries: {} }), { mode: 0o600 });
  const forced = await runCli(['token', '--force'], { env });
  assertFailure(forced, 2, /--force needs a refresh token/);
  assert.match(forced.stderr, /ocs-auth login --device-code --scope "openid ocsapi offline_access"/);
});

test('the keychain fallback is said once per config folder, names configure --storage file, and keeps the D-Bus detail for --verbose', async () => {
  const env = envOnly({ OCS_AUTH_STORAGE: undefined, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
  const login = await runCli(['login', '--client-credentials'], { env });
  assert.equal(login.code, 0, login.stderr);
  assert.equal(login.stderr.match(/warning: no OS keychain reachable/g)?.length, 1, login.stderr);
  assert.match(login.stderr, /ocs-auth configure --storage file/);
  assert.doesNotMatch(login.stderr, /D-Bus|dbus|nonexistent/i);
  const later = await runCli(['token', '--force'], { env: { ...env, OCS_CLIENT_SECRET: undefined } });
  assert.equal(later.code, 0, later.stderr);
  assert.doesNotMatch(later.stderr, /keychain/);
});

test('with --verbose the keychain fallback names its cause', async () => {
  const env = envOnly({ OCS_AUTH_STORAGE: undefined, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
  const login = await runCli(['--verbose', 'login', '--client-credentials'], { env });
  assert.equal(login.code, 0, login.stderr);
  assert.match(login.stderr, /warning: no OS keychain reachable \(.+\)/);
});

test('a config folder the file system refuses (/proc/nope) is exit 2 naming it, promptly', async () => {
  const started = Date.now();
  const result = await runCli(['token'], { env: envOnly({ OCS_AUTH_CONFIG_DIR: '/proc/nope/ocs-auth' }), timeoutMs: 10_000 });
  assertFailure(result, 2, /\/proc\/nope/);
  assert.ok(Date.now() - started < 8_000);
});

test('a config folder that is a dangling symbolic link is one clear line', async () => {
  const link = join(configDir, 'link');
  await symlink(join(configDir, 'gone'), link);
  const result = await runCli(['token'], { env: envOnly({ OCS_AUTH_CONFIG_DIR: link }) });
  assertFailure(result, 2, new RegExp(`${link} is a symbolic link to ${join(configDir, 'gone')}, which does not exist`));
  assert.equal(result.stderr.split('\n').filter(Boolean).length <= 2, true, result.stderr);
});

test('FORCE_COLOR and CLICOLOR_FORCE colour a pipe; NO_COLOR and --no-color still win', async () => {
  const red = '\u001b[31merror:';
  const run = (env: Record<string, string>, args: string[] = []) =>
    runCli([...args, 'token', '-p', 'nope'], { env: { OCS_AUTH_CONFIG_DIR: configDir, FORCE_COLOR: undefined, CLICOLOR_FORCE: undefined, ...env } });
  assert.ok(!(await run({})).stderr.includes(red), 'a pipe is plain by default');
  assert.ok((await run({ FORCE_COLOR: '1' })).stderr.includes(red));
  assert.ok((await run({ CLICOLOR_FORCE: '1' })).stderr.includes(red));
  assert.ok(!(await run({ FORCE_COLOR: '0' })).stderr.includes(red));
  assert.ok(!(await run({ FORCE_COLOR: '1', NO_COLOR: '1' })).stderr.includes(red));
  assert.ok(!(await run({ FORCE_COLOR: '1' }, ['--no-color'])).stderr.includes(red));
});

test('logging out an env-only session removes its token without a revocation the server must refuse', async () => {
  assert.equal((await runCli(['token'], { env: envOnly() })).code, 0);
  const result = await runCli(['logout', '--all'], { env: envOnly() });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /Logged out of env-/);
  assert.doesNotMatch(result.stderr, /could not revoke|401/);
});

test('an empty or malformed --api-version is refused as the API version', async () => {
  assertFailure(await runCli(['token', '--api-version', ''], { env: envOnly() }), 2, /API version/);
  assertFailure(await runCli(['whoami'], { env: envOnly({ OCS_API_VERSION: 'v1/../x' }) }), 2, /API version/);
  assertFailure(await runCli(['whoami', '--api-version', 'v9'], { env: envOnly() }), 2, /API version "v9"/);
});

test('a rejected secret from OCS_CLIENT_SECRET says that it came from there', async () => {
  const result = await runCli(['token'], { env: envOnly({ OCS_CLIENT_SECRET: 'wrong' }) });
  assertFailure(result, 4, /rejected/);
  assert.match(result.stderr, /hint: .*OCS_CLIENT_SECRET/);
});
