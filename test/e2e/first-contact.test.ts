// What a new user trips over in the first minutes (issue 13): the built CLI as a child
// process, against the emulator where a server is involved.
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
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

test('configure never picks a flow silently: without a TTY or a secret it asks for --pkce, --client-credentials or --device-code', async () => {
  const env = { OCS_AUTH_CONFIG_DIR: configDir };
  const flags = ['--resource', emulator.resource, '--tenant-id', emulator.tenantId, '--client-id', CLIENT()];
  assertFailure(await runCli(['configure', ...flags], { env }), 2, /--pkce, --client-credentials or --device-code/);
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

test('configure --from reads appsettings.json as .NET does, names what it leaves out and what it changes in a profile', async () => {
  await writeConfig(
    `[work]\nresource = ${emulator.resource}\ntenant_id = ${emulator.tenantId}\nclient_id = ${emulator.publicClient.clientId}\nflow = pkce\n` +
      'scope = openid ocsapi offline_access\nredirect_uri = http://localhost:5005/callback.html\n',
  );
  // As Visual Studio saves AVEVA's hybrid-login sample, edited by hand.
  const file = join(configDir, 'appsettings.json');
  await writeFile(
    file,
    `\uFEFF{\r\n  // your tenant\r\n  "Resource": "${emulator.resource}",\r\n  "TenantId": "${emulator.tenantId}",\r\n  /* a confidential client */\r\n` +
      `  "ClientId": "${CLIENT()}",\r\n  "ClientSecret": "${emulator.confidentialClient.clientSecret}",\r\n  "RedirectHost": "https://127.0.0.1",\r\n` +
      '  "RedirectPort": 54567,\r\n  "RedirectPath": "signin-oidc",\r\n  "Username": "alice@example.com",\r\n  "Password": "correct horse",\r\n  "NamespaceId": "plant",\r\n}\r\n',
  );
  const result = await runCli(['configure', '-p', 'work', '--from', file], { env: { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'file' } });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /RedirectHost, RedirectPort, RedirectPath in .* were not imported: .*--redirect-uri/);
  assert.match(result.stderr, /Username in .* was not imported/);
  assert.match(result.stderr, /Password in .* was not imported: ocs-auth never stores a password/);
  assert.doesNotMatch(result.stderr, /NamespaceId in .* was not imported/);
  assert.match(result.stderr, new RegExp(`Profile "work" changed: client_id ${emulator.publicClient.clientId} -> ${CLIENT()}; flow pkce -> client-credentials; redirect_uri \\S+ removed; scope openid ocsapi offline_access removed; namespace set to plant`));
  const ini = await readFile(join(configDir, 'config.ini'), 'utf8');
  assert.match(ini, /flow = client-credentials/);
  assert.match(ini, /namespace = plant/);
  assert.doesNotMatch(ini, /scope|redirect_uri|54567/);
  assert.ok(!(await readFile(join(configDir, 'credentials.json'), 'utf8')).includes('correct horse'));
  // The profile works as imported.
  const token = await runCli(['token', '-p', 'work'], { env: { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'file' } });
  assert.equal(token.code, 0, token.stderr);
});

test('configure --from names the line and column of a JSON syntax error', async () => {
  const file = join(configDir, 'appsettings.json');
  await writeFile(file, `{\n  "Resource": "${emulator.resource}"\n  "TenantId": "t"\n}\n`);
  assertFailure(await runCli(['configure', '--from', file], { env: { OCS_AUTH_CONFIG_DIR: configDir } }), 2, new RegExp(`${file}:3:3: expected ","`));
});

test('configure says which values it took from OCS_* variables', async () => {
  const env = { OCS_AUTH_CONFIG_DIR: configDir, OCS_RESOURCE: emulator.resource, OCS_TENANT_ID: emulator.tenantId, OCS_CLIENT_ID: CLIENT(), OCS_AUTH_FLOW: 'client-credentials' };
  const result = await runCli(['configure', '-p', 'envp', '--client-id', emulator.publicClient.clientId], { env });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /Values taken from the environment: OCS_RESOURCE, OCS_TENANT_ID, OCS_AUTH_FLOW\./);
});

test('configure of an existing profile takes from OCS_* variables only what it lacks: a CI shell\'s variables do not repoint it', async () => {
  const existing = `[prod]\nresource = ${emulator.resource}\ntenant_id = ${emulator.tenantId}\nclient_id = ${CLIENT()}\nflow = client-credentials\n`;
  await writeFile(join(configDir, 'config.ini'), existing, { mode: 0o600 });
  const env = { OCS_AUTH_CONFIG_DIR: configDir, OCS_RESOURCE: 'https://elsewhere.example', OCS_TENANT_ID: 'other-tenant', OCS_CLIENT_ID: 'other-client', OCS_AUTH_FLOW: 'pkce', OCS_API_VERSION: 'v2' };
  const result = await runCli(['configure', '-p', 'prod', '--namespace', 'plant'], { env });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /Values taken from the environment: OCS_API_VERSION\./);
  assert.equal(await readFile(join(configDir, 'config.ini'), 'utf8'), `${existing}api_version = v2\nnamespace = plant\n`);
});

test('configure of an account on a resource whose identity host cannot be derived needs --discovery-url', async () => {
  const flags = ['-p', 'cds', '--resource', emulator.resource, '--account-id', 'acct', '--client-id', CLIENT(), '--client-credentials'];
  assertFailure(await runCli(['configure', ...flags], { env: { OCS_AUTH_CONFIG_DIR: configDir } }), 2, /missing --discovery-url/);
});

test("configure --from a CONNECT sample on a plain-http resource takes its well_known_url, asking for no --discovery-url", async () => {
  const wellKnown = `${emulator.resource}/account/acct/authentication/.well-known/openid-configuration`;
  const file = join(configDir, 'appsettings.json');
  await writeFile(file, JSON.stringify({ base_url: emulator.resource, account_id: 'acct', client_id: CLIENT(), well_known_url: wellKnown, data_store_id: 'store' }));
  const result = await runCli(['configure', '-p', 'cds', '--client-credentials', '--from', file], { env: { OCS_AUTH_CONFIG_DIR: configDir } });
  assert.equal(result.code, 0, result.stderr);
  assert.doesNotMatch(result.stderr, /not imported/);
  const ini = await readFile(join(configDir, 'config.ini'), 'utf8');
  assert.match(ini, new RegExp(`discovery_url = ${wellKnown}\\n`));
  assert.match(ini, /namespace = store\n/);
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
  assert.match(forced.stderr, /log in again to get one: `ocs-auth login --device-code` asks for offline_access/);
});

test('the keychain fallback is said once per config folder, names configure --storage file, and keeps the D-Bus detail for --verbose', async () => {
  const env = envOnly({ OCS_AUTH_STORAGE: undefined, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
  const login = await runCli(['login', '--client-credentials'], { env });
  assert.equal(login.code, 0, login.stderr);
  assert.equal(login.stderr.match(/warning: no OS keychain reachable/g)?.length, 1, login.stderr);
  // A session from variables alone has no profile for `configure` to write: the variable comes first.
  assert.match(login.stderr, /Set OCS_AUTH_STORAGE=file \(for a profile, `ocs-auth configure --storage file` also works\)/);
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

test('a config folder the file system refuses (/proc/nope): promptly, a login is exit 2 naming it, the environment\'s token is printed uncached', async () => {
  const started = Date.now();
  const env = envOnly({ OCS_AUTH_CONFIG_DIR: '/proc/nope/ocs-auth' });
  assertFailure(await runCli(['login', '--client-credentials'], { env, timeoutMs: 10_000 }), 2, /\/proc\/nope/);
  const token = await runCli(['token'], { env, timeoutMs: 10_000 });
  assert.equal(token.code, 0, token.stderr);
  assert.match(token.stderr, /cannot write \/proc\/nope.*not cached/);
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

test('a rejected secret from OCS_CLIENT_SECRET says that it came from there, and speaks of a stored secret only where there is one', async () => {
  const result = await runCli(['token'], { env: envOnly({ OCS_CLIENT_SECRET: 'wrong' }) });
  assertFailure(result, 4, /rejected/);
  assert.match(result.stderr, /hint: .*OCS_CLIENT_SECRET/);
  assert.doesNotMatch(result.stderr, /stored/);
  // With a profile whose secret is stored, OCS_CLIENT_SECRET wins over it: then say so.
  const env = { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'file' };
  const flags = ['--resource', emulator.resource, '--tenant-id', emulator.tenantId, '--client-id', CLIENT(), '--client-credentials', '--client-secret-stdin'];
  assert.equal((await runCli(['configure', ...flags], { env, input: `${emulator.confidentialClient.clientSecret}\n` })).code, 0);
  const over = await runCli(['token', '-p', 'default'], { env: { ...env, OCS_CLIENT_SECRET: 'wrong' } });
  assertFailure(over, 4, /rejected/);
  assert.match(over.stderr, /hint: .*OCS_CLIENT_SECRET, which wins over the one stored for profile "default"/);
});

test('a client id the server does not know gets a hint naming the client id, not only the secret', async () => {
  const token = await runCli(['token'], { env: envOnly({ OCS_CLIENT_ID: 'no-such-client' }) });
  assertFailure(token, 4, /invalid_client/);
  assert.match(token.stderr, /hint: .*client id \(no-such-client\)/);
  const login = await runCli(['login', '--client-credentials'], { env: envOnly({ OCS_CLIENT_ID: 'no-such-client' }) });
  assertFailure(login, 4, /invalid_client/);
  assert.match(login.stderr, /hint: .*client id \(no-such-client\)/);
});

test('logout says what was not revoked on the server: no revocation endpoint in discovery, or a refusal', async () => {
  const env = { OCS_AUTH_CONFIG_DIR: configDir };
  await storePkceSession(emulator, configDir, 'default');
  emulator.addFault({ route: 'discovery', transform: ({ revocation_endpoint: _dropped, ...document }) => document });
  const without = await runCli(['logout'], { env });
  assert.equal(without.code, 0, without.stderr);
  assert.doesNotMatch(without.stderr, /revoked the refresh token at the server/);
  assert.match(without.stderr, /Nothing was revoked on the server: its discovery document names no revocation endpoint, so the refresh token may still work there until it expires/);
  assert.equal(emulator.counts.revocation, 0);

  emulator.clearFaults();
  await rm(join(configDir, 'cache'), { recursive: true, force: true });
  await storePkceSession(emulator, configDir, 'default');
  emulator.addFault({ route: 'revocation', status: 400 });
  const refused = await runCli(['logout'], { env });
  assert.equal(refused.code, 0, refused.stderr);
  assert.match(refused.stderr, /could not revoke at the server: .*400/);
  assert.match(refused.stderr, /The server did not revoke the refresh token: it may still work there until it expires/);
});

test('--verbose says when the token came from the cache', async () => {
  assert.equal((await runCli(['token'], { env: envOnly() })).code, 0);
  const verbose = await runCli(['-v', 'token'], { env: envOnly() });
  assert.equal(verbose.code, 0, verbose.stderr);
  assert.match(verbose.stderr, /token from the cache \(client-credentials, env-\S+\): \d+ s left, no request made/);
});

test('api errors name the method and path, and a missing --input file is one plain line', async () => {
  const posted = await runCli(['api', '-f', 'count=2', 'Tenants/{tenant}/Namespaces/plant/Nope'], { env: envOnly() });
  assert.equal(posted.code, 6, posted.stderr);
  assert.match(posted.stderr, /^error: POST \/api\/v1\/Tenants\/[^/]+\/Namespaces\/plant\/Nope: 404 Not Found; its body is on stdout\n$/);
  const missing = await runCli(['api', '--input', 'nope.json', 'Tenants/{tenant}'], { env: envOnly() });
  assertFailure(missing, 2, /^error: cannot read nope\.json: no such file\n/);
  assert.doesNotMatch(missing.stderr, /ENOENT/);
});

test("every command's help states its exit status; the top-level help has examples, names CONNECT, and says what --no-color covers", async () => {
  const env = { OCS_AUTH_CONFIG_DIR: configDir };
  for (const command of ['configure', 'login', 'token', 'whoami', 'status', 'logout', 'exec', 'api', 'completion']) {
    const help = await runCli([command, '--help'], { env });
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /Exit status/, `${command} --help`);
  }
  const top = await runCli(['--help'], { env });
  assert.match(top.stdout, /CONNECT/);
  assert.match(top.stdout, /Examples:\n {2}ocs-auth /);
  assert.match(top.stdout, /Exit status/);
  assert.match(top.stdout, /--no-color +no colour, on stderr or stdout/);
});

test('api: a 429 whose Retry-After is too long to wait for says when to try again, naming the method and path', async () => {
  emulator.addFault({ route: 'tenant-data', status: 429, headers: { 'Retry-After': '30' } });
  const result = await runCli(['api', 'Tenants/{tenant}/Namespaces'], { env: envOnly() });
  assertFailure(result, 5, /GET \/api\/v1\/Tenants\/[^/]+\/Namespaces\).* 429/);
  assert.match(result.stderr, /hint: the server asks to be tried again in 30 s \(Retry-After\)/);
});
