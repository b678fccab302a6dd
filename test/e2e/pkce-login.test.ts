// `ocs-auth login --pkce` end to end: the built CLI as a child process, the OCS emulator, and a
// real headless Chromium (playwright-core) doing what the person would do in the browser.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { configDir, emulator, pkceEnv, storedEntries, useE2eFixture } from '../helpers/e2e-fixture.ts';
import { browserLoginPage, captureBrowserRedirect, completeBrowserLogin } from '../helpers/browser-login.ts';
import { assertFailure, CLI, closedPort, hasStackTrace, runCli, type CliResult } from '../helpers/cli.ts';

useE2eFixture();


function listen(port: number): Promise<Server> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

async function portIsFree(port: number): Promise<boolean> {
  try {
    const server = await listen(port);
    await new Promise((resolve) => server.close(resolve));
    return true;
  } catch {
    return false;
  }
}

/** `login --pkce` with the URL caught from stderr (as a person would copy it) as soon as it is printed. */
function startLogin(args: string[], env: Record<string, string> = pkceEnv()): { done: Promise<CliResult>; url: Promise<string> } {
  // The emulator matches redirect URIs exactly, as OCS does: the one this login uses is registered.
  const redirectUri = args[args.indexOf('--redirect-uri') + 1];
  if (args.includes('--redirect-uri') && redirectUri) emulator.registerRedirectUri(redirectUri);
  let found: (url: string) => void = () => {};
  const url = new Promise<string>((resolve) => (found = resolve));
  let stderr = '';
  const done = runCli(['login', '--pkce', ...args], {
    env,
    onStderr: (text) => {
      stderr += text;
      const match = /^\s+(http:\/\/\S+\/connect\/authorize\?\S+)$/m.exec(stderr);
      if (match) found(match[1]!);
    },
  });
  // A CLI that fails before printing the URL must fail the test, not hang it.
  void done.then((result) => found(`no URL; exit ${result.code}: ${result.stderr}`));
  return { done, url };
}

/** A login with no browser opened, on a loopback port of its own (a localhost redirect URI). */
async function startLoopbackLogin(): Promise<{ done: Promise<CliResult>; url: Promise<string>; port: number }> {
  const port = await closedPort();
  return { ...startLogin(['--no-browser', '--redirect-uri', `http://localhost:${port}/callback.html`]), port };
}

async function assertNothingStored(): Promise<void> {
  assert.deepEqual(await storedEntries(), {});
  await assert.rejects(readFile(join(configDir, 'config.ini'), 'utf8'), { code: 'ENOENT' }, 'no profile written either');
}

async function tenantStatus(token: string): Promise<number> {
  const response = await fetch(`${emulator.resource}/api/v1/Tenants/${emulator.tenantId}`, { headers: { Authorization: `Bearer ${token}` } });
  return response.status;
}

test('a browser login in real Chromium through BROWSER and a localhost redirect stores a token the API accepts; token --pkce prints it', async () => {
  const port = await closedPort();
  const redirectUri = `http://localhost:${port}/callback.html`;
  emulator.registerRedirectUri(redirectUri);
  // BROWSER is a small script that records the URL it is given, as a real browser command would receive it.
  const urlFile = join(configDir, 'opened-url');
  const script = join(configDir, 'browser.mjs');
  await writeFile(script, `import { appendFileSync } from 'node:fs';\nappendFileSync(${JSON.stringify(urlFile)}, process.argv[2] + '\\n');\n`);
  const login = runCli(['login', '--pkce', '--redirect-uri', redirectUri], {
    env: pkceEnv({ BROWSER: `"${process.execPath}" "${script}"` }),
  });
  const url = await waitForFile(urlFile, login);

  const authorize = new URL(url);
  assert.equal(authorize.searchParams.get('redirect_uri'), redirectUri);
  assert.equal(authorize.searchParams.get('scope'), 'openid ocsapi offline_access', 'a session that lasts, by default');
  assert.equal(authorize.searchParams.get('acr_values'), `tenant:${emulator.tenantId}`);
  assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
  const landed = await completeBrowserLogin(url, emulator.user);
  assert.equal(landed.host, `localhost:${port}`, 'Chromium reached the 127.0.0.1 listener through "localhost"');

  const result = await login;
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, '');
  const lastLine = result.stderr.trim().split('\n').at(-1)!;
  assert.match(lastLine, new RegExp(`Logged in to tenant "${emulator.tenantName}" \\(${emulator.tenantId}\\) as ${emulator.user.name} <${emulator.user.email}> \\[profile default\\]`));
  assert.ok(await portIsFree(port), 'the loopback server is closed');

  // The verifier sent with the code is the one whose challenge went to the browser.
  const exchange = emulator.requests.find((request) => request.route === 'token')?.body;
  assert.equal(exchange?.grant_type, 'authorization_code');
  assert.equal(createHash('sha256').update(exchange?.code_verifier ?? '').digest('base64url'), authorize.searchParams.get('code_challenge'));

  const entries = await storedEntries();
  assert.deepEqual(Object.keys(entries).sort(), ['default/pkce/access-token', 'default/pkce/refresh-token'], 'a refresh token, so token renews without a browser');
  assert.doesNotMatch(result.stderr, /refused offline_access|no refresh token/, 'nothing to say when the server grants it');
  const stored = JSON.parse(entries['default/pkce/access-token']!) as { access_token: string; expires_at: number };
  assert.ok(stored.expires_at > Date.now() + 3_000_000);
  assert.equal(await tenantStatus(stored.access_token), 200);
  const profile = await readFile(join(configDir, 'config.ini'), 'utf8');
  assert.match(profile, /flow = pkce/);
  assert.doesNotMatch(profile, /scope/, 'the default scope is not written into the profile');
  assert.match(profile, new RegExp(`redirect_uri = ${redirectUri}`), 'a non-default redirect URI is kept with the profile');

  const tokenRequests = emulator.counts.token;
  const token = await runCli(['token', '--pkce'], { env: pkceEnv() });
  assert.equal(token.code, 0, token.stderr);
  assert.equal(token.stdout, `${stored.access_token}\n`);
  assert.equal(emulator.counts.token, tokenRequests, 'the stored token is served without a request');
});

async function waitForFile(path: string, running: Promise<CliResult>): Promise<string> {
  let exited: CliResult | undefined;
  void running.then((result) => (exited = result));
  for (;;) {
    const text = await readFile(path, 'utf8').catch(() => '');
    if (text.trim()) return text.trim();
    if (exited) assert.fail(`the CLI exited (${exited.code}) before opening the browser: ${exited.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

test('with offline_access a refresh token is stored; other paths on the callback port get 404 and the login goes on', async () => {
  const port = await closedPort();
  const { done, url } = startLogin(['--no-browser', '--redirect-uri', `http://127.0.0.1:${port}/callback.html`, '--scope', 'openid ocsapi offline_access']);
  const authorizeUrl = await url;
  const stray = await fetch(`http://127.0.0.1:${port}/favicon.ico`);
  assert.equal(stray.status, 404);
  // What a web page's <img src="http://127.0.0.1:PORT/callback.html"> sends: no state, no code.
  for (const query of ['', '?error=access_denied', '?state=guessed']) {
    const probe = await fetch(`http://127.0.0.1:${port}/callback.html${query}`);
    assert.equal(probe.status, 400, query);
  }
  await completeBrowserLogin(authorizeUrl, emulator.user);

  const result = await done;
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /Open this URL in a browser/);
  const entries = await storedEntries();
  const refreshToken = (JSON.parse(entries['default/pkce/refresh-token']!) as { value: string; binding: { issuer: string } }).value;
  assert.ok(refreshToken, 'refresh token stored');
  assert.equal((JSON.parse(entries['default/pkce/refresh-token']!) as { binding: { issuer: string } }).binding.issuer, emulator.issuer, 'bound to its issuer');
  assert.ok(!entries['default/pkce/access-token']!.includes(refreshToken));
  assert.match(await readFile(join(configDir, 'config.ini'), 'utf8'), /scope = openid ocsapi offline_access/);
});

test('a server that refuses offline_access (invalid_scope): the browser is sent on to sign in without it, and the terminal says once that the session ends with the access token', async () => {
  emulator.refuseOfflineAccess();
  const { done, url } = await startLoopbackLogin();
  const { text } = await browserLoginPage(await url, emulator.user);
  assert.match(text, /You are signed in/);
  const result = await done;
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr.match(/refused offline_access \(invalid_scope\).*ends when its access token expires/g)?.length, 1, result.stderr);
  const scopes = emulator.requests.filter((request) => request.route === 'authorize' && request.method === 'GET' && request.path.includes('scope=')).map((request) => new URL(request.path, emulator.resource).searchParams.get('scope'));
  assert.deepEqual(scopes, ['openid ocsapi offline_access', 'openid ocsapi']);
  assert.deepEqual(Object.keys(await storedEntries()), ['default/pkce/access-token'], 'no refresh token: none was given');
  assert.doesNotMatch(await readFile(join(configDir, 'config.ini'), 'utf8'), /scope/, 'the next login asks for a long session again');
});

test('a server that refuses offline_access only at the token endpoint: the browser is sent round again without it, and the login ends signed in', async () => {
  emulator.addFault({ route: 'token', status: 400, body: JSON.stringify({ error: 'invalid_scope', error_description: 'offline_access is not allowed' }), times: 1 });
  const { done, url } = await startLoopbackLogin();
  const { text } = await browserLoginPage(await url, emulator.user);
  assert.match(text, /You are signed in/);
  const result = await done;
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr.match(/refused offline_access \(invalid_scope\)/g)?.length, 1, result.stderr);
  assert.equal(emulator.counts.token, 2, 'the refused exchange, then the one without offline_access');
  const scopes = emulator.requests.filter((request) => request.route === 'authorize' && request.method === 'GET' && request.path.includes('scope=')).map((request) => new URL(request.path, emulator.resource).searchParams.get('scope'));
  assert.deepEqual(scopes, ['openid ocsapi offline_access', 'openid ocsapi']);
});

test('an explicit --scope is asked for as given: invalid_scope for it fails the login (exit 2) without asking again', async () => {
  emulator.refuseOfflineAccess();
  const port = await closedPort();
  const { done, url } = startLogin(['--no-browser', '--redirect-uri', `http://localhost:${port}/callback.html`, '--scope', 'openid ocsapi offline_access']);
  const landed = await completeBrowserLogin(await url, emulator.user);
  assert.equal(landed.searchParams.get('error'), 'invalid_scope');
  assertFailure(await done, 2, /refused the login request \(invalid_scope/);
  assert.equal(emulator.counts.authorize, 1);
  await assertNothingStored();
});

test('a code under a forged state gets an error page and is not used; the login goes on and takes the real answer', async () => {
  const { done, url } = await startLoopbackLogin();
  // The real code, delivered with another state: what a login CSRF looks like.
  const redirect = await captureBrowserRedirect(await url, emulator.user);
  assert.ok(redirect.searchParams.get('code'));
  redirect.hostname = '127.0.0.1';
  const forged = new URL(redirect);
  forged.searchParams.set('state', 'forged');
  const refused = await fetch(forged);
  assert.equal(refused.status, 400);
  assert.match(await refused.text(), /does not belong to the login waiting in the terminal/);
  assert.equal(emulator.counts.token, 0, 'the code under the forged state was never exchanged');
  await assertNothingStored();

  const page = await fetch(redirect);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /You are signed in/);
  const result = await done;
  assert.equal(result.code, 0, result.stderr);
  assert.equal(emulator.counts.token, 1);
});

test('the browser page says signed in only once the tokens are stored', async () => {
  // A slow tenant check between the exchange and storing: a page sent early would beat the store.
  emulator.addFault({ route: 'tenants', delayMs: 1000 });
  const { done, url } = await startLoopbackLogin();
  const { text } = await browserLoginPage(await url, emulator.user);
  assert.match(text, /You are signed in/);
  assert.ok((await storedEntries())['default/pkce/access-token'], 'stored before the page said so');
  assert.equal((await done).code, 0);
});

test('when the code exchange fails, the browser page says what failed, not signed in', async () => {
  emulator.addFault({ route: 'token', status: 400, body: JSON.stringify({ error: 'invalid_grant', error_description: 'code <b>spent</b>' }) });
  const { done, url, port } = await startLoopbackLogin();
  const { text } = await browserLoginPage(await url, emulator.user);
  assert.doesNotMatch(text, /signed in\./i);
  assert.match(text, /did not complete: .*invalid_grant.*code <b>spent<\/b>/, 'what failed, as text (escaped in the HTML)');
  assertFailure(await done, 4, /invalid_grant/);
  await assertNothingStored();
  assert.ok(await portIsFree(port), 'the loopback server is closed');
});

test('access_denied on the redirect fails the login (exit 4) and stores nothing', async () => {
  const { done, url } = await startLoopbackLogin();
  const landed = await completeBrowserLogin(await url, emulator.user, { consent: false });
  assert.equal(landed.searchParams.get('error'), 'access_denied');

  assertFailure(await done, 4, /refused or cancelled in the browser \(access_denied/);
  await assertNothingStored();
});

test('a redirect without iss, from a provider that promises one (RFC 9207), fails the login (exit 4) and stores nothing', async () => {
  emulator.omitIssFromRedirects();
  const { done, url } = await startLoopbackLogin();
  const landed = await completeBrowserLogin(await url, emulator.user);
  assert.ok(landed.searchParams.get('code'), 'the browser brought a code');
  assert.equal(landed.searchParams.get('iss'), null, 'and no iss');

  assertFailure(await done, 4, /does not name its issuer/);
  assert.equal(emulator.counts.token, 0, 'the code was never exchanged');
  await assertNothingStored();
});

test('where no browser can be opened, the login says so and suggests --device-code; without a terminal it offers no paste', async () => {
  const port = await closedPort();
  const redirectUri = `http://localhost:${port}/callback.html`;
  const failing = await runCli(['login', '--pkce', '--timeout', '1', '--redirect-uri', redirectUri], { env: pkceEnv({ BROWSER: join(configDir, 'no-such-browser') }) });
  assertFailure(failing, 3, /no sign-in answer/);
  assert.match(failing.stderr, /could not open a browser/);
  assert.match(failing.stderr, /ocs-auth login --device-code/);
  assert.doesNotMatch(failing.stderr, /paste/i, 'nobody at a terminal to paste');

  const overSsh = await runCli(['login', '--pkce', '--no-browser', '--timeout', '1', '--redirect-uri', redirectUri], { env: pkceEnv({ SSH_CONNECTION: '10.0.0.2 50000 10.0.0.1 22' }) });
  assert.match(overSsh.stderr, /ocs-auth login --device-code/);
  const here = await runCli(['login', '--pkce', '--no-browser', '--timeout', '1', '--redirect-uri', redirectUri], { env: pkceEnv({ DISPLAY: ':0' }) });
  assert.doesNotMatch(here.stderr, /--device-code/, 'a person who chose --no-browser at their own screen needs no other way');
});

test('the timeout ends the login (exit 3) and frees the port', async () => {
  const port = await closedPort();
  const started = Date.now();
  const result = await runCli(['login', '--pkce', '--no-browser', '--timeout', '1', '--redirect-uri', `http://localhost:${port}/callback.html`], { env: pkceEnv() });
  assertFailure(result, 3, /no sign-in answer from the browser within 1 s/);
  assert.match(result.stderr, /hint: .*--timeout/);
  assert.ok(Date.now() - started < 10_000);
  assert.ok(await portIsFree(port));
  await assertNothingStored();
});

test('a port in use fails at once (exit 2), naming the port and --redirect-uri', async () => {
  const busy = await listen(0);
  const { port } = busy.address() as AddressInfo;
  try {
    const result = await runCli(['login', '--pkce', '--no-browser', '--redirect-uri', `http://localhost:${port}/callback.html`], { env: pkceEnv() });
    assertFailure(result, 2, new RegExp(`port ${port} on 127.0.0.1 is already in use`));
    assert.match(result.stderr, /--redirect-uri/);
    assert.doesNotMatch(result.stderr, /connect\/authorize/, 'no URL is shown for a login that cannot finish');
  } finally {
    await new Promise((resolve) => busy.close(resolve));
  }
  await assertNothingStored();
});

test('a process on [::1]:port, where a browser may send "localhost", fails the login at once (exit 2), naming the address and port', async () => {
  const port = await closedPort();
  const squatter = createServer();
  await new Promise<void>((resolve, reject) => {
    squatter.once('error', reject);
    squatter.listen({ port, host: '::1', ipv6Only: true }, () => resolve());
  });
  try {
    const result = await runCli(['login', '--pkce', '--no-browser', '--redirect-uri', `http://localhost:${port}/callback.html`], { env: pkceEnv() });
    assertFailure(result, 2, new RegExp(`port ${port} on ::1 is already in use`));
    assert.doesNotMatch(result.stderr, /connect\/authorize/, 'no URL is shown for a login whose code could go astray');
  } finally {
    await new Promise((resolve) => squatter.close(resolve));
  }
  assert.ok(await portIsFree(port), 'the 127.0.0.1 half is closed again');
  await assertNothingStored();
});

test('Ctrl-C while waiting closes the loopback server and exits 130 with nothing stored', async () => {
  const port = await closedPort();
  const child = spawn(process.execPath, [CLI, 'login', '--pkce', '--no-browser', '--redirect-uri', `http://localhost:${port}/callback.html`], {
    env: { ...withoutOcs(process.env), ...pkceEnv() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve) => {
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      if (stderr.includes('/connect/authorize?')) resolve();
    });
  });
  assert.equal(await portIsFree(port), false, 'waiting on the port');
  child.kill('SIGINT');
  assert.equal(await exited, 130, stderr);
  assert.match(stderr, /interrupted/);
  assert.ok(!hasStackTrace(stderr), stderr);
  assert.ok(await portIsFree(port));
  await assertNothingStored();
});

function withoutOcs(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && !entry[0].startsWith('OCS_') && entry[0] !== 'BROWSER'));
}
