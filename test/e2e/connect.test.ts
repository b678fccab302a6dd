// CONNECT data services end to end: the built CLI against the emulator in CONNECT mode, where
// identity lives on another origin than the API, discovery is per account, client
// credentials need scope=api, and the account API takes only that account's issuer's tokens.
import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Emulator } from '../emulator/index.ts';
import { completeBrowserLogin } from '../helpers/browser-login.ts';
import { assertFailure, runCli, tempConfigDir, type CliResult } from '../helpers/cli.ts';
import { configDir, emulator, useE2eFixture } from '../helpers/e2e-fixture.ts';
import { needsScript, onTerminal } from '../helpers/terminal.ts';

useE2eFixture({ connect: true });
/** The CONNECT side of this file's emulator: account, data store, identity origin. */
const connect = (): NonNullable<Emulator['connect']> => emulator.connect!;

/** What a CI job sets for CONNECT: no config file, no keychain. */
function ciEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    OCS_RESOURCE: emulator.resource,
    OCS_ACCOUNT_ID: connect().accountId,
    OCS_DISCOVERY_URL: emulator.discoveryUrl,
    OCS_CLIENT_ID: emulator.confidentialClient.clientId,
    OCS_CLIENT_SECRET: emulator.confidentialClient.clientSecret,
    OCS_AUTH_CONFIG_DIR: configDir,
    OCS_AUTH_STORAGE: 'file',
    ...extra,
  };
}

async function listStreams(token: string): Promise<Response> {
  return fetch(`${emulator.resource}/api/account/${connect().accountId}/sds/${connect().dataStoreId}/v2/Streams`, {
    headers: { Authorization: `Bearer ${token}` },
  });
}

function secretSent(): boolean {
  return emulator.requests.some((request) => JSON.stringify(request.body ?? {}).includes(emulator.confidentialClient.clientSecret));
}

test('the emulator is CONNECT-shaped: identity on another origin, a token without scope=api is refused by the API', async () => {
  assert.notEqual(new URL(emulator.issuer).origin, new URL(emulator.resource).origin);
  assert.equal(emulator.issuer, `${connect().identityOrigin}/account/${connect().accountId}/authentication`);
  const tokenEndpoint = `${emulator.issuer}/connect/token`;
  const grant = async (scope?: string) => {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: emulator.confidentialClient.clientId, client_secret: emulator.confidentialClient.clientSecret });
    if (scope) form.set('scope', scope);
    return ((await (await fetch(tokenEndpoint, { method: 'POST', body: form })).json()) as { access_token: string }).access_token;
  };
  assert.equal((await listStreams(await grant())).status, 403, 'no scope: the API refuses the token');
  assert.equal((await listStreams(await grant('api'))).status, 200);
});

test('env-only client credentials (OCS_ACCOUNT_ID + OCS_DISCOVERY_URL) send scope=api and get a token the account API takes', async () => {
  const result = await runCli(['token', '--json'], { env: ciEnv() });
  assert.equal(result.code, 0, result.stderr);
  const document = JSON.parse(result.stdout) as Record<string, unknown>;
  assert.equal(document.account_id, connect().accountId);
  assert.ok('tenant_id' in document);
  assert.equal(document.tenant_id, null);
  assert.equal(document.flow, 'client-credentials');
  const tokenRequest = emulator.requests.find((request) => request.route === 'token');
  assert.equal(tokenRequest?.body?.scope, 'api');
  assert.equal(tokenRequest?.origin, connect().identityOrigin);

  const page = await listStreams(document.access_token as string);
  assert.equal(page.status, 200);
  const body = (await page.json()) as { items: unknown[]; continuationToken: string | null };
  assert.equal(body.items.length, 2);
  assert.equal(body.continuationToken, '2');

  // A second call is served from the cache: one token request in all.
  assert.equal((await runCli(['token'], { env: ciEnv() })).code, 0);
  assert.equal(emulator.counts.token, 1);
});

test('a configured scope wins over the default api; the CI variables alone are a session of their own, which [default]\'s scope does not reach', async () => {
  const result = await runCli(['token', '--client-credentials'], { env: ciEnv() });
  assert.equal(result.code, 0, result.stderr);
  await writeFile(join(configDir, 'config.ini'), `[default]\nscope = openid api offline_access\n[ci]\nscope = api offline\n`);
  emulator.resetCounts();
  assert.equal((await runCli(['token', '--force', '-p', 'ci'], { env: ciEnv() })).code, 0);
  assert.equal(emulator.requests.find((request) => request.route === 'token')?.body?.scope, 'api offline');
  emulator.resetCounts();
  assert.equal((await runCli(['token', '--force'], { env: ciEnv() })).code, 0);
  assert.equal(emulator.requests.find((request) => request.route === 'token')?.body?.scope, 'api');
});

test('no tenant and no account is exit 2 naming both flags; both is exit 2', async () => {
  assertFailure(await runCli(['token'], { env: ciEnv({ OCS_ACCOUNT_ID: undefined }) }), 2, /--tenant-id ID or --account-id ID/);
  assertFailure(await runCli(['token'], { env: ciEnv({ OCS_TENANT_ID: 'tenant-too' }) }), 2, /both a tenant and an account/);
  assertFailure(await runCli(['token', '--tenant-id', 't', '--account-id', 'a'], { env: ciEnv() }), 2, /--tenant-id and --account-id/);
});

test('a configured account profile: configure, login, whoami (says what was not verified), status, exec', async () => {
  const env = { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'file' };
  const configured = await runCli(
    [
      'configure', '-p', 'cds', '--resource', emulator.resource, '--account-id', connect().accountId, '--discovery-url', emulator.discoveryUrl,
      '--client-id', emulator.confidentialClient.clientId, '--client-credentials', '--client-secret-stdin',
    ],
    { env, input: `${emulator.confidentialClient.clientSecret}\n` },
  );
  assert.equal(configured.code, 0, configured.stderr);
  const ini = await readFile(join(configDir, 'config.ini'), 'utf8');
  assert.match(ini, new RegExp(`account_id = ${connect().accountId}`));
  assert.doesNotMatch(ini, /tenant_id/);
  assert.doesNotMatch(ini, new RegExp(emulator.confidentialClient.clientSecret));

  const login = await runCli(['login', '-p', 'cds', '--client-credentials'], { env: { ...env, OCS_CLIENT_SECRET: emulator.confidentialClient.clientSecret } });
  assert.equal(login.code, 0, login.stderr);
  assert.match(login.stderr, new RegExp(`Logged in to account ${connect().accountId} as client ${emulator.confidentialClient.clientId}`));

  const whoami = await runCli(['whoami', '-p', 'cds', '--json'], { env });
  assert.equal(whoami.code, 0, whoami.stderr);
  const report = JSON.parse(whoami.stdout) as Record<string, unknown>;
  assert.deepEqual(report.account, { id: connect().accountId });
  assert.equal(report.tenant, null);
  assert.equal(report.verified_by, null);
  assert.match((await runCli(['whoami', '-p', 'cds'], { env })).stdout, /^Verified +not by the server/m);

  const status = await runCli(['status', '--json'], { env });
  const profile = (JSON.parse(status.stdout) as { profiles: Record<string, unknown>[] }).profiles.find((entry) => entry.profile === 'cds');
  assert.equal(profile?.account_id, connect().accountId);
  assert.equal(profile?.tenant_id, null);
  assert.equal(profile?.logged_in, true);

  // --account-id outranks the OCS_TENANT_ID the caller had exported, and the command sees only the account.
  const exec = await runCli(['exec', '-p', 'cds', '--account-id', connect().accountId, '--', 'sh', '-c', 'echo "$OCS_ACCOUNT_ID|${OCS_TENANT_ID-unset}|$OCS_API_BASE"'], {
    env: { ...env, OCS_TENANT_ID: 'left-over' },
  });
  assert.equal(exec.code, 0, exec.stderr);
  assert.equal(exec.stdout.trim(), `${connect().accountId}|unset|${emulator.resource}/api/account/${connect().accountId}`);

  // logout finds the revocation endpoint through the account's discovery URL.
  emulator.resetCounts();
  const logout = await runCli(['logout', '-p', 'cds'], { env });
  assert.equal(logout.code, 0, logout.stderr);
  assert.equal(emulator.counts.revocation, 1);
  assert.ok(emulator.requests.filter((request) => request.route !== 'other').every((request) => request.origin === connect().identityOrigin));
});

test('PKCE for an account in real Chromium: no acr_values, whoami checks the token at userinfo', async () => {
  const env = {
    OCS_RESOURCE: emulator.resource,
    OCS_ACCOUNT_ID: connect().accountId,
    OCS_DISCOVERY_URL: emulator.discoveryUrl,
    OCS_CLIENT_ID: emulator.publicClient.clientId,
    OCS_AUTH_CONFIG_DIR: configDir,
    OCS_AUTH_STORAGE: 'file',
  };
  let stderr = '';
  let found: (url: string) => void = () => {};
  const url = new Promise<string>((resolve) => (found = resolve));
  const done = runCli(['login', '--pkce', '--no-browser', '--scope', 'openid api offline_access'], {
    env,
    onStderr: (text) => {
      stderr += text;
      const match = /^\s+(http:\/\/\S+\/connect\/authorize\?\S+)$/m.exec(stderr);
      if (match) found(match[1]!);
    },
  });
  void done.then((result: CliResult) => found(`no URL; exit ${result.code}: ${result.stderr}`));
  const authorize = new URL(await url);
  assert.equal(authorize.origin, connect().identityOrigin);
  assert.equal(authorize.searchParams.get('acr_values'), null);
  await completeBrowserLogin(authorize.href, emulator.user);
  const login = await done;
  assert.equal(login.code, 0, login.stderr);
  assert.match(login.stderr, new RegExp(`Logged in to account ${connect().accountId} as ${emulator.user.name}`));

  const whoami = await runCli(['whoami', '--json'], { env });
  assert.equal(whoami.code, 0, whoami.stderr);
  const report = JSON.parse(whoami.stdout) as { verified_by: string; identity: { name: string; kind: string } };
  assert.equal(report.verified_by, 'userinfo');
  assert.equal(report.identity.name, emulator.user.name);
  assert.equal(emulator.counts.userinfo, 1);

  // A revoked token is exit 4 at userinfo, as at the tenant API.
  emulator.revokeAllTokens();
  assertFailure(await runCli(['whoami'], { env }), 4, /userinfo endpoint rejected the token/);
});

test('configure --from imports both styles of the CONNECT samples, the secret to secret storage', async () => {
  const env = { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'file' };
  const pascal = join(configDir, 'appsettings.json');
  await writeFile(pascal, JSON.stringify({ Resource: 'https://platform.connect.aveva.com', AccountId: 'acc-1', ClientId: 'c-1', ClientSecret: 's-pascal', Scope: 'api', DataStoreId: 'ds' }));
  const first = await runCli(['configure', '-p', 'pascal', '--from', pascal], { env });
  assert.equal(first.code, 0, first.stderr);
  const snake = join(configDir, 'snake.json');
  await writeFile(
    snake,
    JSON.stringify({
      well_known_url: 'https://identity.staging.connect.example/account/acc-2/authentication/.well-known/openid-configuration',
      client_id: 'c-2',
      client_secret: 's-snake',
      account_id: 'acc-2',
      data_store_id: 'ds',
      base_url: 'https://platform.connect.aveva.com',
    }),
  );
  const second = await runCli(['configure', '-p', 'snake', '--from', snake], { env });
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /still holds the client secret/);

  const ini = await readFile(join(configDir, 'config.ini'), 'utf8');
  assert.match(ini, /\[pascal\]\nresource = https:\/\/platform\.connect\.aveva\.com\naccount_id = acc-1\nclient_id = c-1\nscope = api\nnamespace = ds\nflow = client-credentials/);
  assert.match(ini, /\[snake\][^[]*account_id = acc-2/);
  assert.match(ini, /\[snake\][^[]*discovery_url = https:\/\/identity\.staging\.connect\.example\/account\/acc-2\/authentication\/\.well-known\/openid-configuration/);
  assert.doesNotMatch(ini, /\[pascal\][^[]*discovery_url/, 'the derived URL is not written down');
  assert.doesNotMatch(ini, /s-pascal|s-snake/);
  const credentials = await readFile(join(configDir, 'credentials.json'), 'utf8');
  assert.match(credentials, /s-pascal/);
  assert.match(credentials, /s-snake/);

  await writeFile(snake, JSON.stringify({ well_known_url: 'https://identity.platform.connect.aveva.com/account/<account-id>/authentication/.well-known/openid-configuration', client_id: 'c' }));
  assertFailure(await runCli(['configure', '-p', 'placeholder', '--from', snake], { env }), 2, /placeholder/);
});

// --- The discovery trust rule ---------------------------------------------------------------

test('an issuer on another origin than the discovery URL is exit 2 naming that origin; the secret goes nowhere', async () => {
  emulator.addFault({ route: 'discovery', transform: (document) => ({ ...document, issuer: `${emulator.resource}/account/x/authentication` }) });
  const result = await runCli(['token'], { env: ciEnv() });
  assertFailure(result, 2, new RegExp(`issuer ${emulator.resource.replace(/[.]/g, '\\.')}`));
  assert.match(result.stderr, /--resource \(or --discovery-url\)/);
  assert.equal(emulator.counts.token, 0);
  assert.equal(secretSent(), false);
});

test('an issuer differing only in path case or a trailing slash is accepted, and said under --verbose', async () => {
  emulator.addFault({ route: 'discovery', transform: (document) => ({ ...document, issuer: `${document.issuer.replace('/authentication', '/Authentication')}/` }) });
  const quiet = await runCli(['token'], { env: ciEnv() });
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.doesNotMatch(quiet.stderr, /issuer/);
  // A fresh config folder: no cached discovery document, so it is fetched, and judged, again.
  const fresh = await tempConfigDir();
  const verbose = await runCli(['token', '--verbose'], { env: ciEnv({ OCS_AUTH_CONFIG_DIR: fresh.dir }) });
  await fresh.cleanup();
  assert.equal(verbose.code, 0, verbose.stderr);
  assert.match(verbose.stderr, /issuer \S+\/Authentication\/ differs in its path from \S+\/authentication.*accepted/);
});

test('an endpoint on a foreign origin is refused before any secret is sent', async () => {
  for (const field of ['token_endpoint', 'authorization_endpoint', 'userinfo_endpoint', 'revocation_endpoint']) {
    emulator.clearFaults();
    // The API origin: trusted for the token, not for the secret.
    emulator.addFault({ route: 'discovery', transform: (document) => ({ ...document, [field]: `${emulator.resource}/steal` }) });
    assertFailure(await runCli(['token', '--force'], { env: ciEnv() }), 5, new RegExp(`points ${field} to ${emulator.resource.replace(/[.]/g, '\\.')}.*refusing`));
  }
  assert.equal(emulator.counts.token, 0);
  assert.equal(secretSent(), false, 'the emulator never saw the secret');
});

test('a tampered discovery cache is refused and fetched afresh: the secret never follows it', async () => {
  assert.equal((await runCli(['token'], { env: ciEnv() })).code, 0);
  const cacheDir = join(configDir, 'cache');
  const [file] = (await readdir(cacheDir)).filter((name) => name.startsWith('discovery-'));
  assert.ok(file, 'discovery was cached');
  const entry = JSON.parse(await readFile(join(cacheDir, file), 'utf8')) as { discovery_url: string; metadata: Record<string, string> };
  assert.equal(entry.discovery_url, emulator.discoveryUrl, 'the cache is keyed by the discovery URL');
  entry.metadata.token_endpoint = `${emulator.resource}/steal`;
  await writeFile(join(cacheDir, file), JSON.stringify(entry));
  emulator.resetCounts();

  const result = await runCli(['token', '--force', '--verbose'], { env: ciEnv() });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /cached discovery document ignored/);
  assert.equal(emulator.counts.discovery, 1, 'fetched afresh');
  assert.ok(emulator.requests.every((request) => !request.path.includes('/steal')));
  assert.equal(JSON.parse(await readFile(join(cacheDir, file), 'utf8')).metadata.token_endpoint, `${emulator.issuer}/connect/token`, 'the cache is repaired');
});

test('configure on a terminal offers CONNECT among the regions and then asks for an account id, not a tenant id', needsScript, async () => {
  const down = '\x1b[B';
  const { code, screen } = await onTerminal(['configure', '-p', 'tty'], { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'file' }, [
    [/Resource \(region\)/, `${down.repeat(6)}`],
    [/CONNECT data services, account-based/, '\r'],
    [/Account id/, 'acc-tty\r'],
    [/Client id/, 'client-tty\r'],
    [/How does this client log in/, '\r'],
    [/Namespace for API calls \(optional/, '\r'],
  ]);
  assert.equal(code, 0, screen);
  assert.doesNotMatch(screen, /Tenant id/);
  const ini = await readFile(join(configDir, 'config.ini'), 'utf8');
  assert.match(ini, /\[tty\]\nresource = https:\/\/platform\.connect\.aveva\.com\naccount_id = acc-tty\nclient_id = client-tty\nflow = pkce/);
});

test('an account id that is not the discovery URL\'s account is refused, as CONNECT has no discovery document for it', async () => {
  const wrong = '00000000-0000-4000-8000-000000000000';
  const result = await runCli(['token'], { env: ciEnv({ OCS_ACCOUNT_ID: wrong }) });
  assertFailure(result, 2, new RegExp(`discovery URL is for account ${connect().accountId}, not ${wrong}`));
  assert.equal(emulator.counts.token, 0);
  // The emulator itself, as CONNECT: no discovery document for an unknown account.
  const unknown = await fetch(`${connect().identityOrigin}/account/${wrong}/authentication/.well-known/openid-configuration`);
  assert.equal(unknown.status, 404);
});
