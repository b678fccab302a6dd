import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { test } from 'node:test';
import { CredentialsRejectedError, InterruptedError, LoginRequiredError, NetworkError, UsageError } from '../../src/errors.ts';
import { listenForCallback, parseRedirectUri, type CallbackServer } from '../../src/flows/callback-server.ts';
import { closedPort } from '../helpers/cli.ts';

const STATE = 'the-state';
const ISSUER = 'http://127.0.0.1:1/identity';

async function start(host = 'localhost'): Promise<{ server: CallbackServer; base: string; redirectUri: string }> {
  const port = await closedPort();
  const redirectUri = `http://${host}:${port}/callback.html`;
  return { server: await listenForCallback({ redirectUri, state: STATE, issuer: ISSUER }), base: `http://127.0.0.1:${port}`, redirectUri };
}

async function get(url: string, init: RequestInit = {}): Promise<{ status: number; body: string; headers: Headers }> {
  const response = await fetch(url, init);
  return { status: response.status, body: await response.text(), headers: response.headers };
}

/** True when something accepts connections on 127.0.0.1:port. */
function isListening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Addresses a server bound to every interface would also answer on, and one bound to loopback
 * alone must not: the machine's own non-loopback addresses (link-local ones need a scope, and
 * are left out), and 127.0.0.2, which on Linux reaches the machine through lo without being
 * 127.0.0.1, so that the check bites even where lo is the only interface (a container).
 */
function otherAddresses(): string[] {
  const own = Object.values(networkInterfaces()).flatMap((addresses) => addresses ?? []);
  return ['127.0.0.2', ...own.filter((address) => !address.internal && !address.address.startsWith('fe80:')).map((address) => address.address)];
}

test('the redirect URI gives port and path; only plain-http loopback URIs are accepted', () => {
  assert.deepEqual(parseRedirectUri('http://localhost:5004/callback.html'), { port: 5004, path: '/callback.html', hosts: ['127.0.0.1', '::1'] });
  assert.deepEqual(parseRedirectUri('http://127.0.0.1:8080/a%20b/'), { port: 8080, path: '/a%20b/', hosts: ['127.0.0.1'] });
  assert.deepEqual(parseRedirectUri('http://localhost/cb'), { port: 80, path: '/cb', hosts: ['127.0.0.1', '::1'] });
  for (const uri of ['https://localhost:5004/cb', 'http://example.com:5004/cb', 'http://[::1]:5004/cb', 'http://localhost:5004/cb?x=1', 'http://localhost:5004/cb#f', 'not a uri']) {
    assert.throws(() => parseRedirectUri(uri), UsageError, uri);
  }
});

test('the one redirect with our state gives the code; its page waits for the login to end, says signed in, and the port is freed', async () => {
  const { server, base } = await start();
  const waiting = server.wait({ timeoutMs: 5000 });
  let pageArrived = false;
  const pageRequest = get(`${base}/callback.html?code=abc&state=${STATE}&iss=${encodeURIComponent(ISSUER)}`).finally(() => (pageArrived = true));
  assert.deepEqual(await waiting, { code: 'abc', iss: ISSUER });
  assert.equal((await get(`${base}/callback.html?code=other&state=${STATE}`)).status, 410, 'nobody else is heard while the tokens are fetched');
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(pageArrived, false, 'the page waits until the tokens are stored');
  await server.signedIn();
  const page = await pageRequest;
  assert.equal(page.status, 200);
  assert.match(page.body, /You are signed in.*return to the terminal/);
  assert.equal(await isListening(server.port), false);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
});

test('a login that fails after the code arrived tells the browser what failed, escaped, never "signed in"', async () => {
  const { server, base } = await start();
  const waiting = server.wait({ timeoutMs: 5000 });
  const pageRequest = get(`${base}/callback.html?code=abc&state=${STATE}`);
  await waiting;
  await server.close(new CredentialsRejectedError('the token endpoint refused the code: invalid_grant (<b>spent</b>)'));
  const page = await pageRequest;
  assert.doesNotMatch(page.body, /signed in/i);
  assert.match(page.body, /did not complete: the token endpoint refused the code: invalid_grant \(&#60;b&#62;spent&#60;\/b&#62;\)/);
  assert.equal(await isListening(server.port), false);
});

test('an address pasted in is judged like the redirect: a wrong path or state is refused and the wait goes on, ours gives the code', async () => {
  const { server, redirectUri } = await start();
  const waiting = server.wait({ timeoutMs: 5000 });
  assert.match(server.paste('abc') ?? '', /not an address/);
  assert.match(server.paste(redirectUri.replace('callback.html', 'other.html') + `?code=abc&state=${STATE}`) ?? '', /not the address the browser ended on/);
  assert.match(server.paste(`${redirectUri}?code=abc&state=forged`) ?? '', /does not belong to the login waiting here/);
  assert.equal(server.paste(`  ${redirectUri}?code=pasted&state=${STATE}\n`), undefined);
  assert.deepEqual(await waiting, { code: 'pasted', iss: undefined });
  await server.signedIn();
  assert.equal(await isListening(server.port), false);
});

test('a pasted address with our state and an error ends the login as the redirect would', async () => {
  const { server, redirectUri } = await start();
  const waiting = assert.rejects(server.wait({ timeoutMs: 5000 }), CredentialsRejectedError);
  assert.equal(server.paste(`${redirectUri}?error=access_denied&state=${STATE}`), undefined);
  await waiting;
});

test('for localhost it listens on 127.0.0.1 and ::1, for 127.0.0.1 there alone; never on other interfaces', async () => {
  const localhost = await start();
  try {
    assert.equal(await isListening(localhost.server.port, '127.0.0.1'), true);
    assert.equal(await isListening(localhost.server.port, '::1'), true, 'a browser that tries ::1 first reaches us, not someone else');
    for (const address of otherAddresses()) assert.equal(await isListening(localhost.server.port, address), false, `not on ${address}`);
  } finally {
    await localhost.server.close();
  }
  assert.equal(await isListening(localhost.server.port, '::1'), false, 'closed on both');
  const numeric = await start('127.0.0.1');
  try {
    assert.equal(await isListening(numeric.server.port, '127.0.0.1'), true);
    assert.equal(await isListening(numeric.server.port, '::1'), false);
    for (const address of otherAddresses()) assert.equal(await isListening(numeric.server.port, address), false, `not on ${address}`);
  } finally {
    await numeric.server.close();
  }
});

test('another process on [::1]:port fails a localhost login up front, naming the address and port', async () => {
  const port = await closedPort();
  const squatter = createServer().listen({ port, host: '::1', ipv6Only: true });
  await once(squatter, 'listening');
  try {
    await assert.rejects(listenForCallback({ redirectUri: `http://localhost:${port}/cb`, state: STATE, issuer: ISSUER }), (error: unknown) => {
      assert.ok(error instanceof UsageError, String(error));
      assert.match(error.message, new RegExp(`port ${port} on ::1 is already in use`));
      return true;
    });
    assert.equal(await isListening(port, '127.0.0.1'), false, 'the 127.0.0.1 half is not left behind');
  } finally {
    squatter.close();
  }
});

test('a stray request to the callback path without our state, or with another state and no code, gets a page and the wait goes on', async () => {
  const { server, base } = await start();
  const waiting = server.wait({ timeoutMs: 5000 });
  for (const query of ['', 'state=forged', 'error=access_denied', 'error=access_denied&state=forged', `state=${STATE}x&error=login_required`]) {
    const page = await get(`${base}/callback.html${query ? `?${query}` : ''}`);
    assert.equal(page.status, 400, query);
    assert.match(page.body, /still waiting/, query);
  }
  void get(`${base}/callback.html?code=real&state=${STATE}`);
  assert.equal((await waiting).code, 'real');
  await server.signedIn();
});

test('other paths get 404, other methods 405, oversized requests 414, and the wait goes on', async () => {
  const { server, base } = await start();
  const waiting = server.wait({ timeoutMs: 5000 });
  assert.equal((await get(`${base}/favicon.ico`)).status, 404);
  assert.equal((await get(`${base}/callback.html/x?code=abc&state=${STATE}`)).status, 404);
  assert.equal((await get(`${base}//evil.example/callback.html?code=abc&state=${STATE}`)).status, 404);
  const post = await get(`${base}/callback.html?code=abc&state=${STATE}`, { method: 'POST' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET');
  assert.equal((await get(`${base}/callback.html?code=abc&state=${STATE}&pad=${'x'.repeat(5000)}`)).status, 414);
  void get(`${base}/callback.html?code=real&state=${STATE}`);
  assert.equal((await waiting).code, 'real');
  await server.signedIn();
});

test('a code under a forged or missing state gets an error page, is not taken, and the wait goes on', async () => {
  const { server, base } = await start();
  const waiting = server.wait({ timeoutMs: 5000 });
  for (const query of ['code=abc&state=forged', 'code=abc', `code=abc&state=${STATE}&state=${STATE}`]) {
    const page = await get(`${base}/callback.html?${query}`);
    assert.equal(page.status, 400, query);
    assert.match(page.body, /does not belong.*still waiting/, query);
  }
  const real = get(`${base}/callback.html?code=real&state=${STATE}`);
  assert.equal((await waiting).code, 'real');
  await server.signedIn();
  assert.equal((await real).status, 200);
});

test('a redirect without iss is refused when the provider promised one (RFC 9207), accepted when it did not', async () => {
  const port = await closedPort();
  const strict = await listenForCallback({ redirectUri: `http://localhost:${port}/cb`, state: STATE, issuer: ISSUER, issRequired: true });
  const refused = assert.rejects(strict.wait({ timeoutMs: 5000 }), (error: unknown) => error instanceof CredentialsRejectedError && /does not name its issuer/.test(error.message));
  assert.equal((await get(`http://127.0.0.1:${port}/cb?code=abc&state=${STATE}`)).status, 400);
  await refused;
  const { server, base } = await start();
  const waiting = server.wait({ timeoutMs: 5000 });
  void get(`${base}/callback.html?code=abc&state=${STATE}`);
  assert.deepEqual(await waiting, { code: 'abc', iss: undefined });
  await server.signedIn();
});

test('an issuer other than ours in the redirect is refused (RFC 9207)', async () => {
  const { server, base } = await start();
  const waiting = assert.rejects(server.wait({ timeoutMs: 5000 }), CredentialsRejectedError);
  await get(`${base}/callback.html?code=abc&state=${STATE}&iss=${encodeURIComponent('https://evil.example')}`);
  await waiting;
});

test('error redirects fail by meaning, and nothing from the query reaches page or terminal unescaped', async () => {
  const cases: [string, new (...args: never[]) => Error][] = [
    ['access_denied', CredentialsRejectedError],
    ['invalid_scope', UsageError],
    ['temporarily_unavailable', NetworkError],
  ];
  for (const [code, type] of cases) {
    const { server, base } = await start();
    const description = '<script>alert(1)</script>\u001b[31mred';
    let failure: unknown;
    const waiting = server.wait({ timeoutMs: 5000 }).catch((error: unknown) => (failure = error));
    const page = await get(`${base}/callback.html?error=${code}&error_description=${encodeURIComponent(description)}&state=${STATE}`);
    await waiting;
    assert.ok(failure instanceof type, `${code}: ${String(failure)}`);
    assert.match((failure as Error).message, new RegExp(code));
    assert.ok(!(failure as Error).message.includes('\u001b'), 'no escape sequences for the terminal');
    assert.ok(!page.body.includes('<script>'), page.body);
    assert.match(page.body, /&#60;script&#62;/);
  }
});

test('invalid_scope under our state, when the login can ask again: the browser waits, then is sent on to the next attempt under a new state', async () => {
  const { server, base } = await start();
  const refused = server.wait({ timeoutMs: 5000, scopeRefusable: true });
  const page = fetch(`${base}/callback.html?error=invalid_scope&state=${STATE}`, { redirect: 'manual' });
  assert.deepEqual(await refused, { scopeRefused: true });
  assert.equal(server.retry('next-state', 'http://127.0.0.1:1/identity/connect/authorize?scope=openid'), true);
  const sent = await page;
  assert.equal(sent.status, 303);
  assert.equal(sent.headers.get('location'), 'http://127.0.0.1:1/identity/connect/authorize?scope=openid');

  const next = server.wait({ timeoutMs: 5000 });
  assert.equal((await get(`${base}/callback.html?code=old&state=${STATE}`)).status, 400, 'the first attempt\'s state is spent');
  void get(`${base}/callback.html?code=new&state=next-state`);
  assert.deepEqual(await next, { code: 'new', iss: undefined });
  await server.signedIn();
});

test('a code whose exchange the token endpoint refuses for its scope: the browser is sent on, and the next attempt comes back to the same server', async () => {
  const { server, base } = await start();
  const first = server.wait({ timeoutMs: 5000, scopeRefusable: true });
  const page = fetch(`${base}/callback.html?code=first&state=${STATE}`, { redirect: 'manual' });
  assert.deepEqual(await first, { code: 'first', iss: undefined });
  assert.equal(server.retry('next-state', 'http://127.0.0.1:1/authorize'), true);
  assert.equal((await page).status, 303);
  const next = server.wait({ timeoutMs: 5000 });
  void get(`${base}/callback.html?code=second&state=next-state`);
  assert.deepEqual(await next, { code: 'second', iss: undefined });
  await server.signedIn();
});

test('invalid_scope pasted in: nothing to send on, so retry() says the person needs the new URL', async () => {
  const { server, redirectUri } = await start();
  const refused = server.wait({ timeoutMs: 5000, scopeRefusable: true });
  assert.equal(server.paste(`${redirectUri}?error=invalid_scope&state=${STATE}`), undefined);
  assert.deepEqual(await refused, { scopeRefused: true });
  assert.equal(server.retry('next-state', 'http://127.0.0.1:1/authorize'), false);
  await server.close();
});

test('a redirect with our state but no code fails instead of hanging', async () => {
  const { server, base } = await start();
  const waiting = assert.rejects(server.wait({ timeoutMs: 5000 }), NetworkError);
  await get(`${base}/callback.html?state=${STATE}`);
  await waiting;
});

test('the timeout ends the wait as "login needed" (exit 3) and frees the port', async () => {
  const { server } = await start();
  const started = Date.now();
  await assert.rejects(server.wait({ timeoutMs: 200 }), (error: unknown) => {
    assert.ok(error instanceof LoginRequiredError);
    assert.equal(error.exitCode, 3);
    assert.match(error.message, /within \d+ s/);
    assert.match(error.hint ?? '', /--timeout/);
    return true;
  });
  assert.ok(Date.now() - started < 2000);
  assert.equal(await isListening(server.port), false);
});

test('an abort (Ctrl-C) ends the wait as interrupted (exit 130) and frees the port, even with a browser connection open', async () => {
  const { server } = await start();
  const idle = connect({ port: server.port, host: '127.0.0.1' });
  await new Promise((resolve) => idle.once('connect', resolve));
  const controller = new AbortController();
  const waiting = server.wait({ timeoutMs: 5000, signal: controller.signal });
  controller.abort();
  await assert.rejects(waiting, InterruptedError);
  assert.equal(await isListening(server.port), false);
  idle.destroy();
});

test('a port in use is a usage error naming the port and --redirect-uri', async () => {
  const { server, redirectUri } = await start();
  try {
    await assert.rejects(listenForCallback({ redirectUri, state: STATE, issuer: ISSUER }), (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.match(error.message, new RegExp(`port ${server.port}.*in use`));
      assert.match(error.hint ?? '', /--redirect-uri/);
      return true;
    });
  } finally {
    await server.close();
  }
});
