// Plant and enterprise networks (issue 11): the emulator served over HTTPS as ocs.test with a
// certificate from a CA the test makes, reachable only through a real forward proxy that
// maps the test's host names to 127.0.0.1. Nothing is mocked: a request that bypasses the
// proxy finds no such host, and a certificate the CLI should not trust is not trusted.
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { assertFailure, clientCredentialsEnv, closedPort, runCli, tempConfigDir } from '../helpers/cli.ts';
import { startForwardProxy, type ForwardProxy } from '../helpers/forward-proxy.ts';
import { SecretWatch } from '../helpers/secret-watch.ts';
import { createTestCa, type TestCa } from '../helpers/test-ca.ts';

const PROXY_USER = 'plant\\operator';
const PROXY_PASSWORD = 'p@ss:w/rd%42 ok';
const percentEncoded = `${encodeURIComponent(PROXY_USER)}:${encodeURIComponent(PROXY_PASSWORD)}`;

let ca: TestCa;
let otherCa: TestCa;
let emulator: Emulator;
let plainEmulator: Emulator;
let expiredServer: Server;
let plainServer: Server;
let proxy: ForwardProxy;
let guardedProxy: ForwardProxy;
let configDir: string;
let cleanup: () => Promise<void>;

before(async () => {
  ca = await createTestCa('ocs-auth Test Company Root');
  otherCa = await createTestCa('Someone Else Root');
  const [good, expired] = await Promise.all([ca.issue(['ocs.test']), ca.issue(['expired.test'], { expired: true })]);
  emulator = await startEmulator({ tls: { ...good, origin: 'https://ocs.test' } });
  plainEmulator = await startEmulator();
  expiredServer = await listen(createHttpsServer(expired, (_req, res) => res.end('{}')));
  plainServer = await listen(createHttpServer((_req, res) => res.end('{}')));
  const hosts = {
    'ocs.test:443': emulator.port,
    // The same listener under a name its certificate does not carry.
    'wrong.test:443': emulator.port,
    'expired.test:443': port(expiredServer),
    'plain.test:443': port(plainServer),
    [`127.0.0.1:${plainEmulator.port}`]: plainEmulator.port,
  };
  proxy = await startForwardProxy({ hosts });
  guardedProxy = await startForwardProxy({ hosts, credentials: { user: PROXY_USER, password: PROXY_PASSWORD } });
});

// Whatever before() got to start, even when it failed half-way.
after(async () => {
  await Promise.all([emulator?.close(), plainEmulator?.close(), proxy?.close(), guardedProxy?.close()]);
  await Promise.all([expiredServer && close(expiredServer), plainServer && close(plainServer), ca?.cleanup(), otherCa?.cleanup()]);
});

beforeEach(async () => {
  ({ dir: configDir, cleanup } = await tempConfigDir());
  proxy.connects.length = 0;
  guardedProxy.connects.length = 0;
});

afterEach(() => cleanup());

/** env-only client credentials for ocs.test, with none of this machine's own proxy or CA settings. */
function env(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return clientCredentialsEnv(emulator, configDir, {
    HTTPS_PROXY: undefined, https_proxy: undefined, HTTP_PROXY: undefined, http_proxy: undefined,
    NO_PROXY: undefined, no_proxy: undefined, ALL_PROXY: undefined, all_proxy: undefined,
    NODE_EXTRA_CA_CERTS: undefined, NODE_OPTIONS: undefined,
    ...extra,
  });
}

const token = ['token', '--client-credentials'];

describe('proxies', () => {
  test('without a proxy ocs.test does not exist: the test hosts resolve only through the proxy', async () => {
    const result = await runCli(token, { env: env({ OCS_AUTH_CA_FILE: ca.certFile }) });
    assertFailure(result, 5, /cannot reach ocs\.test: host not found/);
  });

  test('HTTPS_PROXY: a token through a CONNECT tunnel, the trace naming the proxy, no secret on stderr', async () => {
    const watch = new SecretWatch();
    watch.secret(emulator.confidentialClient.clientSecret);
    const result = await watch.run(['--verbose', ...token], { env: env({ HTTPS_PROXY: proxy.url, OCS_AUTH_CA_FILE: ca.certFile }) });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^\S+\n$/);
    assert.match(result.stderr, new RegExp(`> GET https://ocs\\.test/identity/\\.well-known/openid-configuration via proxy ${proxy.url}`));
    assert.match(result.stderr, /> POST https:\/\/ocs\.test\/identity\/connect\/token .* via proxy/);
    assert.deepEqual(new Set(proxy.connects.map((c) => `${c.target} ${c.status}`)), new Set(['ocs.test:443 200']));
    assert.ok(emulator.requests.some((r) => r.route === 'token'), 'the token request reached the emulator');
    await watch.collect(configDir);
    watch.assertClean();
  });

  test('api: the request and its streamed answer go through the tunnel, trusted by OCS_AUTH_CA_FILE', async () => {
    const result = await runCli(['--verbose', 'api', '--client-credentials', 'Tenants/{tenant}/Namespaces'], { env: env({ HTTPS_PROXY: proxy.url, OCS_AUTH_CA_FILE: ca.certFile }) });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual((JSON.parse(result.stdout) as { Id: string }[]).map((namespace) => namespace.Id), ['default', 'plant']);
    assert.match(result.stderr, /> GET https:\/\/ocs\.test\/api\/v1\/Tenants\/.+\/Namespaces \(Authorization: Bearer \*\*\*\) via proxy/);
    assert.deepEqual(new Set(proxy.connects.map((c) => `${c.target} ${c.status}`)), new Set(['ocs.test:443 200']));
    const untrusted = await runCli(['api', '--client-credentials', 'Tenants/{tenant}/Namespaces'], { env: env({ HTTPS_PROXY: proxy.url, OCS_AUTH_CA_FILE: otherCa.certFile }) });
    assertFailure(untrusted, 5, /cannot reach ocs\.test/);
  });

  test('lower-case https_proxy works, and wins over HTTPS_PROXY as in curl', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const result = await runCli(token, { env: env({ https_proxy: proxy.url, HTTPS_PROXY: dead, OCS_AUTH_CA_FILE: ca.certFile }) });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(proxy.connects.length > 0);
  });

  test('NO_PROXY: a listed domain goes direct, so here it finds no host, and the proxy sees nothing', async () => {
    for (const noProxy of ['ocs.test', '.test', 'localhost, *.test', 'ocs.test:443']) {
      const result = await runCli(token, { env: env({ HTTPS_PROXY: proxy.url, NO_PROXY: noProxy, OCS_AUTH_CA_FILE: ca.certFile }) });
      assertFailure(result, 5, /cannot reach ocs\.test: host not found/);
    }
    assert.deepEqual(proxy.connects, []);
    const other = await runCli(token, { env: env({ HTTPS_PROXY: proxy.url, NO_PROXY: 'notocs.test,ocs.test:8443,10.0.0.0/8', OCS_AUTH_CA_FILE: ca.certFile }) });
    assert.equal(other.code, 0, other.stderr);
  });

  test('no proxy carries a request to this machine: plain http, allowed only on loopback, would leave it in clear', async () => {
    const plainEnv = clientCredentialsEnv(plainEmulator, configDir, { HTTP_PROXY: proxy.url, HTTPS_PROXY: undefined, NO_PROXY: undefined, no_proxy: undefined, http_proxy: undefined });
    const result = await runCli(token, { env: plainEnv });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(proxy.connects, [], 'the secret and the token went straight to 127.0.0.1');
    const direct = await runCli(['token', '--client-credentials', '--force'], { env: { ...plainEnv, HTTP_PROXY: undefined, HTTPS_PROXY: proxy.url } });
    assert.equal(direct.code, 0, direct.stderr);
    assert.deepEqual(proxy.connects, []);
  });

  test('proxy credentials from the URL, percent-decoded; the trace shows them as ***', async () => {
    const withCredentials = guardedProxy.url.replace('http://', `http://${percentEncoded}@`);
    const result = await runCli(['--verbose', ...token], { env: env({ HTTPS_PROXY: withCredentials, OCS_AUTH_CA_FILE: ca.certFile }) });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(guardedProxy.connects.at(-1)?.credentials, `${PROXY_USER}:${PROXY_PASSWORD}`);
    assert.match(result.stderr, new RegExp(`via proxy http://\\*\\*\\*@127\\.0\\.0\\.1:${guardedProxy.port}`));
    assertNoProxySecret(result.stderr);
  });

  test('a proxy that wants credentials: exit 5 naming the proxy (407) and how to give them', async () => {
    const result = await runCli(token, { env: env({ HTTPS_PROXY: guardedProxy.url, OCS_AUTH_CA_FILE: ca.certFile }) });
    assertFailure(result, 5, new RegExp(`the proxy http://127\\.0\\.0\\.1:${guardedProxy.port} \\(HTTPS_PROXY\\) refused the request: it wants credentials \\(407\\)`));
    assert.match(result.stderr, /hint: put them in HTTPS_PROXY: http:\/\/user:password@host:port/);
    assert.deepEqual(guardedProxy.connects.map((c) => c.status), [407], 'a refused CONNECT is not retried');
  });

  test('wrong proxy credentials: exit 5, the password in no message', async () => {
    const wrong = guardedProxy.url.replace('http://', `http://${encodeURIComponent(PROXY_USER)}:${encodeURIComponent('wrong password 123')}@`);
    // --verbose: the trace and the cause's stack must not show them either.
    const result = await runCli(['--verbose', ...token], { env: env({ https_proxy: wrong, OCS_AUTH_CA_FILE: ca.certFile }) });
    assert.equal(result.code, 5, result.stderr);
    assert.match(result.stderr, /the proxy http:\/\/\*\*\*@127\.0\.0\.1:\d+ \(https_proxy\) refused the request: it wants other credentials \(407\)/);
    assert.match(result.stderr, /via proxy http:\/\/\*\*\*@127\.0\.0\.1/);
    assert.ok(!result.stderr.includes('wrong password') && !result.stderr.includes('wrong%20password'), result.stderr);
    assertNoProxySecret(result.stderr);
  });

  test('an unreachable proxy: exit 5 naming it without its credentials', async () => {
    const dead = `http://${percentEncoded}@127.0.0.1:${await closedPort()}`;
    const result = await runCli(token, { env: env({ HTTPS_PROXY: dead, OCS_AUTH_CA_FILE: ca.certFile }) });
    assertFailure(result, 5, /cannot reach the proxy http:\/\/\*\*\*@127\.0\.0\.1:\d+ \(HTTPS_PROXY\): connection refused/);
    assert.match(result.stderr, /hint: check HTTPS_PROXY, or list ocs\.test in NO_PROXY/);
    assertNoProxySecret(result.stderr);
  });

  test('an unusable proxy URL is exit 2, its value not echoed', async () => {
    const result = await runCli(token, { env: env({ HTTPS_PROXY: `socks5://${percentEncoded}@127.0.0.1:1080` }) });
    assertFailure(result, 2, /HTTPS_PROXY: socks5 proxies are not supported/);
    assertNoProxySecret(result.stderr);
  });
});

describe('certificates', () => {
  test('an unknown CA: exit 5, "not trusted", and the fix', async () => {
    for (const caFile of [undefined, otherCa.certFile]) {
      const result = await runCli(token, { env: env({ HTTPS_PROXY: proxy.url, OCS_AUTH_CA_FILE: caFile }) });
      assertFailure(result, 5, /cannot reach ocs\.test: its certificate is not trusted/);
      assert.match(result.stderr, /hint: .*OCS_AUTH_CA_FILE=.*ca_file.*NODE_EXTRA_CA_CERTS/);
      assert.ok(!/openssl|SSL routines|UNABLE_TO|SELF_SIGNED/i.test(result.stderr), result.stderr);
      assert.equal(result.stderr.trim().split('\n').length, 2, 'one line and a hint');
    }
  });

  test('ca_file in the profile makes it work', async () => {
    await writeFile(join(configDir, 'config.ini'), `[default]\nresource = ${emulator.resource}\ntenant_id = ${emulator.tenantId}\nclient_id = ${emulator.confidentialClient.clientId}\nca_file = ${ca.certFile}\n`);
    const result = await runCli(token, {
      env: env({ HTTPS_PROXY: proxy.url, OCS_RESOURCE: undefined, OCS_TENANT_ID: undefined, OCS_CLIENT_ID: undefined }),
    });
    assert.equal(result.code, 0, result.stderr);
  });

  test("login and logout (revocation) trust the profile's ca_file too", async () => {
    await writeFile(join(configDir, 'config.ini'), `[plant]\nresource = ${emulator.resource}\ntenant_id = ${emulator.tenantId}\nclient_id = ${emulator.confidentialClient.clientId}\nca_file = ${ca.certFile}\nstorage = file\n`);
    const profileEnv = env({ HTTPS_PROXY: proxy.url, OCS_RESOURCE: undefined, OCS_TENANT_ID: undefined, OCS_CLIENT_ID: undefined, OCS_CLIENT_SECRET: undefined });
    const login = await runCli(['login', '-p', 'plant', '--client-credentials', '--client-secret-stdin'], { env: profileEnv, input: emulator.confidentialClient.clientSecret });
    assert.equal(login.code, 0, login.stderr);
    emulator.resetCounts();
    const logout = await runCli(['logout', '-p', 'plant'], { env: profileEnv });
    assert.equal(logout.code, 0, logout.stderr);
    assert.equal(emulator.counts.revocation, 1, 'the access token was offered for revocation through the proxy');
    assert.doesNotMatch(logout.stderr, /could not revoke/);
  });

  test('OCS_AUTH_CA_FILE beats ca_file', async () => {
    await writeFile(join(configDir, 'config.ini'), `[default]\nca_file = ${otherCa.certFile}\n`);
    const result = await runCli(token, { env: env({ HTTPS_PROXY: proxy.url, OCS_AUTH_CA_FILE: ca.certFile }) });
    assert.equal(result.code, 0, result.stderr);
  });

  test("Node's own NODE_EXTRA_CA_CERTS makes it work", async () => {
    const result = await runCli(token, { env: env({ HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: ca.certFile }) });
    assert.equal(result.code, 0, result.stderr);
  });

  test('NODE_EXTRA_CA_CERTS still counts when OCS_AUTH_CA_FILE adds another CA', async () => {
    const result = await runCli(token, { env: env({ HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: ca.certFile, OCS_AUTH_CA_FILE: otherCa.certFile }) });
    assert.equal(result.code, 0, result.stderr);
  });

  test('a CA file that is missing or not PEM is exit 2 naming it', async () => {
    const missing = join(configDir, 'no-such-root.pem');
    assertFailure(await runCli(token, { env: env({ HTTPS_PROXY: proxy.url, OCS_AUTH_CA_FILE: missing }) }), 2, new RegExp(`cannot read the CA file ${missing}: no such file`));
    const notPem = join(configDir, 'root.der');
    await writeFile(notPem, Buffer.from([0x30, 0x82, 0x01, 0x0a, 0x02, 0x82]));
    assertFailure(await runCli(token, { env: env({ HTTPS_PROXY: proxy.url, OCS_AUTH_CA_FILE: notPem }) }), 2, new RegExp(`the CA file ${notPem} holds no PEM certificate`));
    const broken = join(configDir, 'broken.pem');
    await writeFile(broken, '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
    assertFailure(await runCli(token, { env: env({ HTTPS_PROXY: proxy.url, OCS_AUTH_CA_FILE: broken }) }), 2, new RegExp(`the CA file ${broken}: certificate 1 cannot be read`));
  });

  test('an expired certificate: exit 5 saying so', async () => {
    const result = await runCli(token, { env: env({ HTTPS_PROXY: proxy.url, OCS_AUTH_CA_FILE: ca.certFile, OCS_RESOURCE: 'https://expired.test' }) });
    assertFailure(result, 5, /cannot reach expired\.test: its certificate has expired/);
  });

  test('a certificate for another host: exit 5 saying so', async () => {
    const result = await runCli(token, { env: env({ HTTPS_PROXY: proxy.url, OCS_AUTH_CA_FILE: ca.certFile, OCS_RESOURCE: 'https://wrong.test' }) });
    assertFailure(result, 5, /cannot reach wrong\.test: its certificate is for another host name/);
  });

  test('https spoken to a plain-http port: one plain line', async () => {
    const result = await runCli(token, { env: env({ HTTPS_PROXY: proxy.url, OCS_RESOURCE: 'https://plain.test' }) });
    assertFailure(result, 5, /cannot reach plain\.test: it does not speak https on that port/);
    assert.ok(!/wrong version number|SSL routines/i.test(result.stderr), result.stderr);
  });
});

function assertNoProxySecret(stderr: string): void {
  for (const secret of [PROXY_PASSWORD, encodeURIComponent(PROXY_PASSWORD), encodeURIComponent(PROXY_USER), PROXY_USER]) {
    assert.ok(!stderr.includes(secret), `proxy credentials on stderr: ${stderr}`);
  }
}

async function listen(server: Server): Promise<Server> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return server;
}

function port(server: Server): number {
  return (server.address() as AddressInfo).port;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
