// Redirects (issue 22): ocs-auth's HTTP client follows none, so a 302 or 307 from discovery,
// the token endpoint or the API cannot carry a client secret, a refresh token or a bearer
// token to another origin; a 307 would have the client secret posted again, wherever it points.
// The one exception is the SPEC's: a discovery document moved within its own origin (Django
// adds a trailing slash) is followed, at most three times.
import assert from 'node:assert/strict';
import { after, afterEach, test } from 'node:test';
import { assertFailure } from '../helpers/cli.ts';
import { configDir, emulator, envOnly, useE2eFixture } from '../helpers/e2e-fixture.ts';
import { useElsewhere } from '../helpers/elsewhere.ts';
import { SecretWatch } from '../helpers/secret-watch.ts';

const watch = new SecretWatch();
afterEach(() => watch.collect(configDir));
useE2eFixture();
after(() => watch.assertClean());

const elsewhere = useElsewhere();

const token = () => {
  watch.secret(emulator.confidentialClient.clientSecret);
  return watch.run(['token', '--client-credentials', '--verbose'], { env: envOnly() });
};

for (const status of [302, 307]) {
  test(`discovery answering ${status} to another origin: exit 2 naming it, nothing sent there`, async () => {
    elsewhere.requests.length = 0;
    emulator.addFault({ route: 'discovery', status, headers: { location: `${elsewhere.origin}/identity/.well-known/openid-configuration` } });
    const result = await token();
    assertFailure(result, 2, new RegExp(`redirects to ${elsewhere.origin}, another origin; not followed`));
    assert.equal(elsewhere.requests.length, 0, 'the other origin received nothing');
    assert.equal(emulator.counts.token, 0);
  });

  test(`the token endpoint answering ${status} to another origin: the client secret is not posted there (exit 5)`, async () => {
    elsewhere.requests.length = 0;
    // As a load balancer or a moved site answers: a short HTML page, no OAuth error.
    emulator.addFault({ route: 'token', status, contentType: 'text/html', body: '<a href="elsewhere">Moved</a>', headers: { location: `${elsewhere.origin}/connect/token` } });
    const result = await token();
    assertFailure(result, 5, new RegExp(`the token endpoint answered ${status}`));
    assert.ok(result.stderr.includes(`(not followed: ${elsewhere.origin}/connect/token)`), result.stderr);
    assert.equal(elsewhere.requests.length, 0, 'the other origin received nothing');
  });

  test(`the API answering ${status} to another origin: exit 6 saying what was not followed, the token not sent there`, async () => {
    elsewhere.requests.length = 0;
    const target = `${elsewhere.origin}/api/v1/Tenants/${emulator.tenantId}/Namespaces`;
    emulator.addFault({ route: 'tenant-data', status, headers: { location: target } });
    const result = await watch.run(['api', 'Tenants/{tenant}/Namespaces'], { env: envOnly({ OCS_AUTH_FLOW: 'client-credentials' }) });
    assert.equal(result.code, 6, result.stderr);
    assert.ok(result.stderr.includes(`GET /api/v1/Tenants/${emulator.tenantId}/Namespaces: ${status} `) && result.stderr.includes(`(not followed: ${target})`), result.stderr);
    assert.equal(elsewhere.requests.length, 0, 'the other origin received nothing');
  });
}

test('discovery answering 301 to the same path with a trailing slash is followed, said under --verbose', async () => {
  emulator.addFault({ route: 'discovery', status: 301, headers: { location: `${emulator.discoveryUrl}/` }, times: 1 });
  const result = await token();
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /redirects \(301\) to \S+\/openid-configuration\/; followed, as it is on the same origin/);
  assert.equal(emulator.requests.filter((request) => request.path.startsWith('/identity/.well-known/openid-configuration')).length, 2, 'the redirect and its target');
});

test('a discovery redirect after three same-origin ones is refused (exit 5)', async () => {
  emulator.addFault({ route: 'discovery', status: 308, headers: { location: emulator.discoveryUrl } });
  const result = await token();
  assertFailure(result, 5, /redirected more than 3 times/);
  assert.equal(emulator.counts.discovery, 4, 'the first request and three followed redirects');
  assert.equal(emulator.counts.token, 0);
});
