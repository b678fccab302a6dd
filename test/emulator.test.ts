// The emulator itself: that it looks like OCS on the wire, that a real browser can log in, and
// that faults and counts behave, so CLI tests built on it fail only for the CLI's reasons.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { startEmulator, type Emulator } from './emulator/index.ts';
import { captureBrowserRedirect, completeBrowserLogin } from './helpers/browser-login.ts';
import { runCli } from './helpers/cli.ts';

let emu: Emulator;

before(async () => {
  emu = await startEmulator();
});
after(() => emu.close());
afterEach(() => {
  emu.clearFaults();
  emu.resetCounts();
});

const discoveryUrl = (): string => `${emu.resource}/identity/.well-known/openid-configuration`;
const tokenUrl = (): string => `${emu.resource}/identity/connect/token`;
const tenantsUrl = (tenantId = emu.tenantId): string => `${emu.resource}/api/v1/Tenants/${tenantId}`;

function postForm(url: string, form: Record<string, string>, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, method: 'POST', body: new URLSearchParams(form) });
}

function clientCredentials(target = emu, secret = target.confidentialClient.clientSecret, init: RequestInit = {}): Promise<Response> {
  return postForm(`${target.resource}/identity/connect/token`, {
    grant_type: 'client_credentials',
    client_id: target.confidentialClient.clientId,
    client_secret: secret,
  }, init);
}

async function accessToken(target = emu): Promise<string> {
  const res = await clientCredentials(target);
  assert.equal(res.status, 200);
  return ((await res.json()) as { access_token: string }).access_token;
}

function callTenants(token: string | undefined, url = tenantsUrl()): Promise<Response> {
  return fetch(url, token === undefined ? {} : { headers: { Authorization: `Bearer ${token}` } });
}

describe('OCS on the wire', () => {
  test('discovery advertises the /identity endpoints under the resource', async () => {
    const res = await fetch(discoveryUrl());
    assert.equal(res.status, 200);
    const doc = (await res.json()) as Record<string, unknown>;
    assert.equal(doc.issuer, `${emu.resource}/identity`);
    assert.equal(doc.token_endpoint, `${emu.resource}/identity/connect/token`);
    assert.equal(doc.authorization_endpoint, `${emu.resource}/identity/connect/authorize`);
    assert.equal(doc.revocation_endpoint, `${emu.resource}/identity/connect/revocation`);
    assert.equal(doc.jwks_uri, `${emu.resource}/identity/.well-known/openid-configuration/jwks`);
    assert.deepEqual(doc.code_challenge_methods_supported, ['S256']);
    assert.equal(doc.device_authorization_endpoint, `${emu.resource}/identity/connect/deviceauthorization`);
    assert.equal(emu.counts.discovery, 1);
  });

  test('device authorization for the device-code client: codes, the /identity page, the RFC interval; pending until entered', async () => {
    const res = await postForm(`${emu.resource}/identity/connect/deviceauthorization`, { client_id: emu.deviceClient.clientId, scope: 'openid ocsapi' });
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.verification_uri, `${emu.resource}/identity/connect/device`);
    assert.match(String(body.user_code), /^[A-Z]{4}-[A-Z]{4}$/);
    assert.equal(body.interval, 5);
    assert.equal(body.expires_in, 600);
    const poll = await postForm(tokenUrl(), { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: emu.deviceClient.clientId, device_code: String(body.device_code) });
    assert.equal(poll.status, 400);
    assert.equal(((await poll.json()) as { error: string }).error, 'authorization_pending');
    assert.equal((await fetch(String(body.verification_uri))).status, 200);
    assert.deepEqual([emu.counts.deviceauthorization, emu.counts.device], [1, 1]);
  });

  test('client credentials without scope gives an RS256 at+jwt with tid and ocsapi', async () => {
    const res = await clientCredentials();
    assert.equal(res.status, 200);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, 3600);
    assert.equal(body.refresh_token, undefined);
    const token = body.access_token as string;
    assert.deepEqual({ ...decodeProtectedHeader(token), kid: undefined }, { alg: 'RS256', typ: 'at+jwt', kid: undefined });
    const claims = decodeJwt(token);
    assert.equal(claims.tid, emu.tenantId);
    assert.equal(claims.scope, 'ocsapi');
    assert.equal(claims.client_id, emu.confidentialClient.clientId);
    assert.equal(claims.iss, `${emu.resource}/identity`);
    assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 3600);
    const [logged] = emu.requests;
    assert.equal(logged?.route, 'token');
    assert.equal(logged?.body?.grant_type, 'client_credentials');
    assert.equal(logged?.body && 'scope' in logged.body, false);
  });

  test('a wrong client secret is 401 invalid_client', async () => {
    const res = await clientCredentials(emu, 'wrong');
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { error: string }).error, 'invalid_client');
  });

  test('the tenants endpoint answers 200 for a valid token and 401/403 otherwise', async () => {
    const token = await accessToken();
    const ok = await callTenants(token);
    assert.equal(ok.status, 200);
    const tenant = (await ok.json()) as Record<string, unknown>;
    assert.deepEqual(
      { Id: tenant.Id, CompanyName: tenant.CompanyName, Alias: tenant.Alias, State: tenant.State },
      { Id: emu.tenantId, CompanyName: emu.tenantName, Alias: emu.tenantAlias, State: 'Active' },
    );

    const garbage = await callTenants('not.a.jwt');
    assert.equal(garbage.status, 401);
    assert.match(garbage.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/);

    const missing = await callTenants(undefined);
    assert.equal(missing.status, 401);
    assert.match(missing.headers.get('www-authenticate') ?? '', /^Bearer/);

    const otherTenant = await callTenants(token, tenantsUrl('00000000-0000-0000-0000-000000000000'));
    assert.equal(otherTenant.status, 403);
    assert.equal(emu.counts.tenants, 4);
  });

  test('the tenant API behind `ocs-auth api` checks the token as the tenants endpoint does, scope included', async () => {
    const namespaces = (token: string | undefined, tenantId = emu.tenantId) => callTenants(token, `${emu.resource}/api/v1/Tenants/${tenantId}/Namespaces`);
    const token = await accessToken();
    const ok = await namespaces(token);
    assert.equal(ok.status, 200);
    assert.deepEqual(((await ok.json()) as { Id: string }[]).map((namespace) => namespace.Id), ['default', 'plant']);
    assert.equal((await namespaces(undefined)).status, 401);
    assert.equal((await namespaces('not.a.jwt')).status, 401);
    assert.equal((await namespaces(token, '00000000-0000-0000-0000-000000000000')).status, 403);

    const form = { grant_type: 'client_credentials', client_id: emu.confidentialClient.clientId, client_secret: emu.confidentialClient.clientSecret, scope: 'other' };
    const scoped = (await (await postForm(`${emu.resource}/identity/connect/token`, form)).json()) as { access_token: string; scope?: string };
    assert.doesNotMatch(scoped.scope ?? '', /ocsapi/);
    const refused = await namespaces(scoped.access_token);
    assert.equal(refused.status, 403);
    assert.match(refused.headers.get('www-authenticate') ?? '', /insufficient_scope/);
    assert.equal(emu.counts['tenant-data'], 5);
  });

  test('expired and revoked tokens are 401; tokens issued after revocation work', async () => {
    const shortLived = await startEmulator({ accessTokenTtl: 1 });
    try {
      const res = await clientCredentials(shortLived);
      const { access_token: token, expires_in: expiresIn } = (await res.json()) as { access_token: string; expires_in: number };
      assert.equal(expiresIn, 1);
      const exp = decodeJwt(token).exp ?? 0;
      await new Promise((r) => setTimeout(r, Math.max(0, exp * 1000 - Date.now() + 50)));
      const expired = await callTenants(token, `${shortLived.resource}/api/v1/Tenants/${shortLived.tenantId}`);
      assert.equal(expired.status, 401);
      assert.match(expired.headers.get('www-authenticate') ?? '', /invalid_token.*expired/);
    } finally {
      await shortLived.close();
    }

    const before = await accessToken();
    emu.revokeAllTokens();
    assert.equal((await callTenants(before)).status, 401);
    assert.equal((await callTenants(await accessToken())).status, 200);
  });
});

// A stand-in for the CLI's loopback server: answers the redirect and remembers its URL.
// Chromium also asks it for /favicon.ico once the page has loaded, as it will ask the CLI's.
async function startCallbackServer(): Promise<{ server: Server; redirectUri: string; hits: URL[] }> {
  const hits: URL[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/callback.html') {
      res.writeHead(404).end();
      return;
    }
    hits.push(url);
    res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!DOCTYPE html><title>done</title><p>You can close this window.</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const redirectUri = `http://127.0.0.1:${port}/callback.html`;
  emu.registerRedirectUri(redirectUri);
  return { server, redirectUri, hits };
}

function pkceRequest(redirectUri: string, scope = 'openid ocsapi offline_access') {
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const url = new URL(`${emu.resource}/identity/connect/authorize`);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: emu.publicClient.clientId,
    redirect_uri: redirectUri,
    scope,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state,
    nonce: randomBytes(16).toString('base64url'),
    acr_values: `tenant:${emu.tenantId}`,
  }).toString();
  return { url: url.href, verifier, state };
}

interface TokenResponse {
  access_token?: string;
  refresh_token?: string;
  id_token?: string;
  error?: string;
}

async function tokenRequest(form: Record<string, string>): Promise<{ status: number; body: TokenResponse }> {
  const res = await postForm(tokenUrl(), { client_id: emu.publicClient.clientId, ...form });
  return { status: res.status, body: (await res.json()) as TokenResponse };
}

describe('PKCE login in headless Chromium', () => {
  test('login, code exchange, refresh rotation', async () => {
    const cb = await startCallbackServer();
    try {
      const req = pkceRequest(cb.redirectUri);
      const landed = await completeBrowserLogin(req.url, emu.user);
      assert.equal(cb.hits.length, 1);
      const hit = cb.hits[0]!;
      assert.equal(landed.searchParams.get('code'), hit.searchParams.get('code'));
      assert.equal(hit.searchParams.get('state'), req.state);
      assert.equal(hit.searchParams.get('iss'), `${emu.resource}/identity`);
      assert.equal(emu.counts.authorize, 1);

      const exchanged = await tokenRequest({
        grant_type: 'authorization_code',
        code: hit.searchParams.get('code') ?? '',
        code_verifier: req.verifier,
        redirect_uri: cb.redirectUri,
      });
      assert.equal(exchanged.status, 200);
      const { access_token: accessToken = '', refresh_token: refreshToken = '' } = exchanged.body;
      assert.ok(refreshToken, 'offline_access gives a refresh token');
      assert.ok(exchanged.body.id_token);
      const claims = decodeJwt(accessToken);
      assert.equal(decodeProtectedHeader(accessToken).typ, 'at+jwt');
      assert.equal(claims.tid, emu.tenantId);
      assert.equal(claims.sub, emu.user.sub);
      assert.equal(claims.email, emu.user.email);
      assert.equal(claims.name, emu.user.name);
      assert.match(String(claims.scope), /\bocsapi\b/);
      assert.equal((await callTenants(accessToken)).status, 200);

      const refreshed = await tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });
      assert.equal(refreshed.status, 200);
      const rotated = refreshed.body.refresh_token ?? '';
      assert.ok(rotated && rotated !== refreshToken, 'refresh rotates the refresh token');
      assert.equal(decodeJwt(refreshed.body.access_token ?? '').tid, emu.tenantId);
      const replay = await tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });
      assert.deepEqual([replay.status, replay.body.error], [400, 'invalid_grant']);

      // oidc-provider treats reuse of a rotated refresh token as theft and revokes the whole
      // grant: two processes refreshing the same token at once both end up logged out.
      const afterReuse = await tokenRequest({ grant_type: 'refresh_token', refresh_token: rotated });
      assert.deepEqual([afterReuse.status, afterReuse.body.error], [400, 'invalid_grant']);
    } finally {
      cb.server.close();
    }
  });

  test('revocation makes a refresh token useless; no offline_access, no refresh token', async () => {
    const withOffline = pkceRequest('http://127.0.0.1:5004/callback.html');
    const code1 = (await captureBrowserRedirect(withOffline.url, emu.user)).searchParams.get('code') ?? '';
    const first = await tokenRequest({ grant_type: 'authorization_code', code: code1, code_verifier: withOffline.verifier, redirect_uri: 'http://127.0.0.1:5004/callback.html' });
    const refreshToken = first.body.refresh_token ?? '';
    assert.ok(refreshToken);
    const revoke = await postForm(`${emu.resource}/identity/connect/revocation`, { client_id: emu.publicClient.clientId, token: refreshToken });
    assert.equal(revoke.status, 200);
    const refused = await tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });
    assert.deepEqual([refused.status, refused.body.error], [400, 'invalid_grant']);

    const noOffline = pkceRequest('http://localhost:5004/callback.html', 'openid ocsapi');
    const code2 = (await captureBrowserRedirect(noOffline.url, emu.user)).searchParams.get('code') ?? '';
    const second = await tokenRequest({ grant_type: 'authorization_code', code: code2, code_verifier: noOffline.verifier, redirect_uri: 'http://localhost:5004/callback.html' });
    assert.equal(second.status, 200);
    assert.ok(second.body.access_token);
    assert.equal(second.body.refresh_token, undefined);
  });

  test('refuseOfflineAccess(): offline_access is invalid_scope at authorize (redirected, with our state) and at device authorization, until clearFaults()', async () => {
    emu.refuseOfflineAccess();
    const refused = pkceRequest('http://localhost:5004/callback.html');
    const answer = await fetch(refused.url, { redirect: 'manual' });
    assert.ok(answer.status === 302 || answer.status === 303, String(answer.status));
    const location = new URL(answer.headers.get('location') ?? '');
    assert.equal(`${location.origin}${location.pathname}`, 'http://localhost:5004/callback.html');
    assert.equal(location.searchParams.get('error'), 'invalid_scope');
    assert.equal(location.searchParams.get('state'), refused.state);
    const device = await postForm(`${emu.resource}/identity/connect/deviceauthorization`, { client_id: emu.deviceClient.clientId, scope: 'openid ocsapi offline_access' });
    assert.deepEqual([device.status, ((await device.json()) as { error: string }).error], [400, 'invalid_scope']);

    // Without it, the login goes on to sign-in as ever.
    const plain = await fetch(pkceRequest('http://localhost:5004/callback.html', 'openid ocsapi').url, { redirect: 'manual' });
    assert.match(plain.headers.get('location') ?? '', /\/identity\/interaction\//);
    const plainDevice = await postForm(`${emu.resource}/identity/connect/deviceauthorization`, { client_id: emu.deviceClient.clientId, scope: 'openid ocsapi' });
    assert.equal(plainDevice.status, 200);

    emu.clearFaults();
    const allowed = await fetch(pkceRequest('http://localhost:5004/callback.html').url, { redirect: 'manual' });
    assert.match(allowed.headers.get('location') ?? '', /\/identity\/interaction\//);
  });

  test('a wrong password does not log in', async () => {
    const cb = await startCallbackServer();
    try {
      const req = pkceRequest(cb.redirectUri);
      await assert.rejects(
        completeBrowserLogin(req.url, { login: emu.user.login, password: 'wrong horse' }),
        /Invalid login or password/,
      );
      assert.equal(cb.hits.length, 0);
      assert.equal(emu.counts.token, 0);
    } finally {
      cb.server.close();
    }
  });

  test('redirect URIs match exactly, as on OCS: a loopback URI on an unregistered port is refused, not redirected to', async () => {
    const registered = pkceRequest('http://127.0.0.1:5004/callback.html');
    assert.equal((await fetch(registered.url, { redirect: 'manual' })).status, 303);
    for (const uri of ['http://127.0.0.1:5005/callback.html', 'http://localhost:5004/other.html', 'http://[::1]:5004/callback.html']) {
      const response = await fetch(pkceRequest(uri).url, { redirect: 'manual' });
      assert.equal(response.status, 400, uri);
      assert.match(await response.text(), /redirect_uri/, uri);
    }
    assert.equal((await fetch(pkceRequest('HTTP://LOCALHOST:5004/callback.html').url, { redirect: 'manual' })).status, 303, 'case aside, as IdentityServer compares');
  });

  test('cancelling sign-in redirects with error=access_denied', async () => {
    const req = pkceRequest('http://127.0.0.1:5004/callback.html');
    const landed = await captureBrowserRedirect(req.url, emu.user, { deny: true });
    assert.equal(landed.searchParams.get('error'), 'access_denied');
    assert.equal(landed.searchParams.get('state'), req.state);
    assert.equal(landed.searchParams.get('code'), null);
  });
});

describe('faults and counts', () => {
  test('status with Retry-After, counted down by times', async () => {
    emu.addFault({ route: 'token', status: 429, headers: { 'Retry-After': '1' }, times: 1 });
    const limited = await clientCredentials();
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '1');
    assert.equal(limited.headers.get('content-type'), 'application/json');
    assert.equal(((await limited.json()) as { error: string }).error, 'temporarily_unavailable');
    assert.equal((await clientCredentials()).status, 200);
    assert.equal(emu.counts.token, 2);
  });

  test('faults apply in the order added and last until cleared without times', async () => {
    emu.addFault({ route: 'token', status: 503, times: 2 });
    emu.addFault({ route: 'token', status: 500 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await clientCredentials()).status);
    assert.deepEqual(statuses, [503, 503, 500, 500]);
    emu.clearFaults();
    assert.equal((await clientCredentials()).status, 200);
    assert.equal(emu.counts.token, 5);
    // A faulted request's form body is still logged.
    assert.equal(emu.requests[0]?.body?.client_id, emu.confidentialClient.clientId);
  });

  test('an HTML body on the token endpoint', async () => {
    emu.addFault({ route: 'token', status: 502, body: '<html><body>Bad Gateway</body></html>', contentType: 'text/html' });
    const res = await clientCredentials();
    assert.equal(res.status, 502);
    assert.equal(res.headers.get('content-type'), 'text/html');
    assert.match(await res.text(), /Bad Gateway/);
  });

  test('a delay longer than the client timeout, then a delayed pass-through', async () => {
    emu.addFault({ route: 'token', delayMs: 400, times: 2 });
    await assert.rejects(clientCredentials(emu, undefined, { signal: AbortSignal.timeout(100) }), { name: 'TimeoutError' });
    const started = Date.now();
    assert.equal((await clientCredentials()).status, 200);
    assert.ok(Date.now() - started >= 390);
    assert.equal(emu.counts.token, 2);
  });

  test('discovery transform drops token_endpoint', async () => {
    emu.addFault({
      route: 'discovery',
      times: 1,
      transform: (doc: Record<string, unknown>) => {
        delete doc.token_endpoint;
        return doc;
      },
    });
    const broken = (await (await fetch(discoveryUrl())).json()) as Record<string, unknown>;
    assert.equal(broken.token_endpoint, undefined);
    assert.equal(broken.issuer, `${emu.resource}/identity`);
    const fixed = (await (await fetch(discoveryUrl())).json()) as Record<string, unknown>;
    assert.equal(fixed.token_endpoint, tokenUrl());
  });

  test('destroy resets the connection', async () => {
    emu.addFault({ route: 'token', destroy: true, times: 1 });
    await assert.rejects(clientCredentials(), (err: Error & { cause?: { code?: string } }) => {
      assert.equal(err.name, 'TypeError');
      assert.equal(err.cause?.code, 'ECONNRESET');
      return true;
    });
    assert.equal((await clientCredentials()).status, 200);
    assert.equal(emu.counts.token, 2);
  });

  test('faults on the tenants endpoint; counts per route and resetCounts', async () => {
    const token = await accessToken();
    emu.addFault({ route: 'tenants', status: 503, times: 1 });
    assert.equal((await callTenants(token)).status, 503);
    assert.equal((await callTenants(token)).status, 200);
    assert.deepEqual(emu.counts, { discovery: 0, token: 1, authorize: 0, revocation: 0, tenants: 2, jwks: 0, userinfo: 0, account: 0, 'tenant-data': 0, deviceauthorization: 0, device: 0 });
    emu.resetCounts();
    assert.equal(emu.counts.tenants, 0);
    assert.deepEqual(emu.requests, []);
  });

  test('close() does not wait for delayed requests', async () => {
    const other = await startEmulator();
    other.addFault({ route: 'token', delayMs: 30_000 });
    const pending = clientCredentials(other).then(() => 'answered', () => 'dropped');
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await other.close();
    assert.ok(Date.now() - started < 1000);
    assert.equal(await pending, 'dropped');
  });
});

test('an expired device code is answered expired_token, not forgotten', async () => {
  const short = await startEmulator({ deviceFlow: { codeTtl: 1 } });
  try {
    const res = await postForm(`${short.resource}/identity/connect/deviceauthorization`, { client_id: short.deviceClient.clientId, scope: 'openid ocsapi' });
    const { device_code: deviceCode } = (await res.json()) as { device_code: string };
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const poll = await postForm(`${short.resource}/identity/connect/token`, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: short.deviceClient.clientId, device_code: deviceCode });
    assert.equal(poll.status, 400);
    assert.equal(((await poll.json()) as { error: string }).error, 'expired_token');
  } finally {
    await short.close();
  }
});

test('cli --json prints one line of settings, serves, and exits 0 on SIGTERM', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./emulator/cli.ts', import.meta.url).pathname, '--json', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const [line] = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next().then((r) => [r.value as string]);
  const settings = JSON.parse(line ?? '') as Emulator;
  const res = await postForm(`${settings.resource}/identity/connect/token`, {
    grant_type: 'client_credentials',
    client_id: settings.confidentialClient.clientId,
    client_secret: settings.confidentialClient.clientSecret,
  });
  assert.equal(res.status, 200);
  assert.equal(decodeJwt(((await res.json()) as { access_token: string }).access_token).tid, settings.tenantId);
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.equal(stderr, '');
});

test('cli --connect prints the CONNECT env lines, and they work with the built CLI', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./emulator/cli.ts', import.meta.url).pathname, '--connect', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let exportLine: string | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    if (line.startsWith('export ') && line.includes('OCS_CLIENT_SECRET=')) {
      exportLine = line;
      break;
    }
  }
  assert.ok(exportLine);
  assert.match(exportLine, /OCS_ACCOUNT_ID='[^']+' OCS_DISCOVERY_URL='http:\/\/127\.0\.0\.1:\d+\/account\/[^/]+\/authentication\/\.well-known\/openid-configuration'/);
  const env: Record<string, string> = { OCS_AUTH_STORAGE: 'file', OCS_AUTH_CONFIG_DIR: await mkdtemp(join(tmpdir(), 'ocs-emu-cli-')) };
  for (const [, name, value] of exportLine.matchAll(/(\w+)='([^']*)'/g)) env[name!] = value!;
  const result = await runCli(['token', '--json'], { env });
  assert.equal(result.code, 0, result.stderr);
  assert.equal((JSON.parse(result.stdout) as { account_id: string }).account_id, env.OCS_ACCOUNT_ID);
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  await rm(env.OCS_AUTH_CONFIG_DIR!, { recursive: true, force: true });
});

/** Every process below `pid`, from /proc (Linux): what `npm run` starts stands between it and the emulator. */
async function descendants(pid: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // Field 4, after the command name in parentheses (which may itself hold spaces).
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid) parents.set(Number(entry), ppid);
  }
  const found: number[] = [];
  for (let frontier = [pid]; frontier.length > 0; ) {
    frontier = [...parents].filter(([, parent]) => frontier.includes(parent)).map(([child]) => child);
    found.push(...frontier);
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('SIGTERM to `npm run emulator` stops the emulator too: no orphan left serving', { skip: process.platform !== 'linux' && 'reads /proc' }, async () => {
  const npm = spawn('npm', ['run', '--silent', 'emulator', '--', '--port', '0'], { cwd: new URL('..', import.meta.url).pathname, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => npm.on('exit', () => resolve()));
  let resource: string | undefined;
  for await (const line of createInterface({ input: npm.stdout! })) {
    resource ??= /^OCS emulator .*(http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1] ?? /OCS_RESOURCE='([^']+)'/.exec(line)?.[1];
    if (line.startsWith('Ctrl-C to stop')) break;
  }
  assert.ok(resource, 'the emulator said where it serves');
  const tree = await descendants(npm.pid!);
  assert.ok(tree.length > 0);
  npm.kill('SIGTERM');
  await exited;
  const deadline = Date.now() + 10_000;
  while (tree.some(alive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  const left = tree.filter(alive);
  for (const pid of left) process.kill(pid, 'SIGKILL');
  assert.deepEqual(left, [], 'processes left running after npm was stopped');
  await assert.rejects(fetch(`${resource}/identity/.well-known/openid-configuration`), 'nothing serves any more');
});
