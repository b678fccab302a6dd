import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/errors.ts';
import { bypassesProxy, describeProxy, proxyFor } from '../../src/flows/proxy-env.ts';

const bypass = (host: string, noProxy: string, port = 443) => bypassesProxy(host, port, noProxy);

test('NO_PROXY names: the host itself and every host under it, as curl matches them', () => {
  assert.ok(bypass('example.com', 'example.com'));
  assert.ok(bypass('www.example.com', 'example.com'));
  assert.ok(bypass('a.b.example.com', 'example.com'));
  assert.ok(!bypass('notexample.com', 'example.com'));
  assert.ok(!bypass('example.com.evil', 'example.com'));
  assert.ok(!bypass('com', 'example.com'));
});

test('NO_PROXY: a leading or trailing dot is ignored (curl), *.domain reads as .domain', () => {
  assert.ok(bypass('example.com', '.example.com'));
  assert.ok(bypass('www.example.com', '.example.com'));
  assert.ok(bypass('www.example.com', 'example.com.'));
  assert.ok(bypass('www.example.com.', 'example.com'));
  assert.ok(bypass('www.example.com', '*.example.com'));
  assert.ok(!bypass('notexample.com', '.example.com'));
});

test('NO_PROXY: a list split by commas or blanks, case-insensitive, empty entries skipped', () => {
  assert.ok(bypass('b.test', 'a.test, b.test'));
  assert.ok(bypass('b.test', 'a.test b.test'));
  assert.ok(bypass('b.test', ',,a.test,,B.TEST,'));
  assert.ok(bypass('WWW.Example.COM', 'example.com'));
  assert.ok(!bypass('c.test', 'a.test, b.test'));
  assert.ok(!bypass('c.test', ''));
  assert.ok(!bypass('c.test', ' , '));
});

test('NO_PROXY "*" alone matches everything; inside a list it matches nothing (curl)', () => {
  assert.ok(bypass('anything.example', '*'));
  assert.ok(bypass('10.1.2.3', ' * '));
  assert.ok(!bypass('anything.example', 'a.test,*'));
});

test('NO_PROXY with a port matches that port only', () => {
  assert.ok(bypass('example.com', 'example.com:443', 443));
  assert.ok(!bypass('example.com', 'example.com:8443', 443));
  assert.ok(bypass('www.example.com', '.example.com:8443', 8443));
  assert.ok(bypass('::1', '[::1]:443', 443));
  assert.ok(!bypass('::1', '[::1]:80', 443));
});

test('NO_PROXY IP addresses and CIDR ranges match addresses, never names', () => {
  assert.ok(bypass('127.0.0.1', '127.0.0.1'));
  assert.ok(bypass('10.20.30.40', '10.0.0.0/8'));
  assert.ok(!bypass('11.20.30.40', '10.0.0.0/8'));
  assert.ok(bypass('192.168.1.7', '192.168.0.0/16'));
  assert.ok(bypass('[::1]', '::1'));
  assert.ok(bypass('fd00::5', 'fd00::/8'));
  assert.ok(!bypass('fe80::1', 'fd00::/8'));
  assert.ok(!bypass('127.0.0.1', '127.0.0.0/99'));
  // curl compares an address only with addresses: 0.1 is not a domain suffix of 127.0.0.1.
  assert.ok(!bypass('127.0.0.1', '0.1'));
  assert.ok(!bypass('localhost', '127.0.0.1'));
});

test('proxyFor: https URLs use https_proxy, http URLs http_proxy; lower case wins, as in curl', () => {
  const target = new URL('https://ocs.example/identity');
  assert.equal(proxyFor(target, { HTTPS_PROXY: 'http://upper:3128' })?.url.host, 'upper:3128');
  assert.equal(proxyFor(target, { https_proxy: 'http://lower:3128', HTTPS_PROXY: 'http://upper:3128' })?.url.host, 'lower:3128');
  assert.equal(proxyFor(target, { https_proxy: 'http://lower:3128' })?.variable, 'https_proxy');
  assert.equal(proxyFor(target, { HTTP_PROXY: 'http://plain:3128' }), undefined, 'HTTP_PROXY is for http:// URLs only');
  assert.equal(proxyFor(new URL('http://ocs.example:5000/x'), { HTTP_PROXY: 'http://plain:3128' })?.url.host, 'plain:3128');
  for (const loopback of ['http://127.0.0.1:5000/x', 'http://localhost:5000/x', 'http://[::1]:5000/x', 'https://127.0.0.2/x']) {
    assert.equal(proxyFor(new URL(loopback), { HTTP_PROXY: 'http://plain:3128', HTTPS_PROXY: 'http://plain:3128' }), undefined, loopback);
  }
  // An empty lower-case variable turns the proxy off, whatever the upper-case one says.
  assert.equal(proxyFor(target, { https_proxy: '', HTTPS_PROXY: 'http://upper:3128' }), undefined);
  assert.equal(proxyFor(target, {}), undefined);
});

test('proxyFor honours NO_PROXY (lower case first) with the default port of the scheme', () => {
  const target = new URL('https://ocs.example/identity');
  assert.equal(proxyFor(target, { HTTPS_PROXY: 'http://p:1', NO_PROXY: '.example' }), undefined);
  assert.equal(proxyFor(target, { HTTPS_PROXY: 'http://p:1', no_proxy: 'other.test', NO_PROXY: '.example' })?.url.host, 'p:1');
  assert.equal(proxyFor(target, { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'ocs.example:443' }), undefined);
  assert.equal(proxyFor(new URL('https://ocs.example:8443/'), { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'ocs.example:443' })?.url.host, 'p:1');
});

test('a proxy without a scheme is http://; credentials are kept for the agent and never shown', () => {
  const proxy = proxyFor(new URL('https://ocs.example/'), { HTTPS_PROXY: 'user%40corp:p%3Ass@proxy.corp:3128' })!;
  assert.equal(proxy.url.protocol, 'http:');
  assert.equal(decodeURIComponent(proxy.url.username), 'user@corp');
  assert.equal(decodeURIComponent(proxy.url.password), 'p:ss');
  assert.equal(describeProxy(proxy), 'http://***@proxy.corp:3128');
  assert.equal(describeProxy(proxyFor(new URL('https://ocs.example/'), { HTTPS_PROXY: 'https://proxy.corp' })!), 'https://proxy.corp');
});

test('a proxy URL that cannot be used is exit 2 naming the variable, never its value', () => {
  const target = new URL('https://ocs.example/');
  assert.throws(() => proxyFor(target, { HTTPS_PROXY: 'socks5://user:s3cret@proxy:1080' }), (error: unknown) => {
    assert.ok(error instanceof UsageError);
    assert.match(error.message, /HTTPS_PROXY: socks5 proxies are not supported/);
    assert.ok(!error.message.includes('s3cret'));
    return true;
  });
  assert.throws(() => proxyFor(target, { HTTPS_PROXY: 'http://user:s3cret%zz@proxy:3128' }), (error: unknown) => {
    assert.ok(error instanceof UsageError);
    assert.match(error.message, /HTTPS_PROXY: the proxy user name or password is not properly percent-encoded/);
    assert.ok(!error.message.includes('s3cret'));
    return true;
  });
  assert.throws(() => proxyFor(target, { https_proxy: 'http://us er:s3cret@[bad' }), (error: unknown) => {
    assert.ok(error instanceof UsageError);
    assert.match(error.message, /https_proxy is not a valid proxy URL/);
    assert.ok(!error.message.includes('s3cret'));
    return true;
  });
});
