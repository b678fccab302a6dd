// `ocs-auth whoami` end to end: the built CLI against the OCS emulator, whose tenants endpoint
// answers the name (and 401 once the token is revoked).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { emulator, envOnly, pkceEnv, useE2eFixture } from '../helpers/e2e-fixture.ts';
import { completeBrowserLogin } from '../helpers/browser-login.ts';
import { assertFailure, closedPort, runCli } from '../helpers/cli.ts';
import { needsScript, onTerminal } from '../helpers/terminal.ts';

useE2eFixture();


/** "Label  value" lines as a map. */
function fields(report: string): Map<string, string> {
  return new Map(report.trimEnd().split('\n').map((line) => {
    const match = /^(\S+(?: \S+)?)\s{2,}(.*)$/.exec(line);
    assert.ok(match, `not a "label  value" line: ${JSON.stringify(line)}`);
    return [match[1]!, match[2]!];
  }));
}

test('client credentials: the client, the tenant name from the API, flow, expiry and scopes, aligned and without colour when piped', async () => {
  const result = await runCli(['whoami'], { env: envOnly() });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
  assert.doesNotMatch(result.stdout, /\x1b\[/, 'no colour on a pipe');
  const report = fields(result.stdout);
  assert.equal(report.get('Client'), emulator.confidentialClient.clientId);
  assert.equal(report.get('Tenant'), `${emulator.tenantName} (alias ${emulator.tenantAlias})`);
  assert.equal(report.get('Tenant id'), emulator.tenantId);
  assert.equal(report.get('Resource'), emulator.resource);
  assert.equal(report.get('API version'), 'v1');
  assert.match(report.get('Flow')!, /^client-credentials/);
  assert.match(report.get('Expires')!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d \(in (59m|1h 0m)\)$/);
  assert.equal(report.get('Scopes'), 'ocsapi');
  assert.ok(!report.has('User'), 'a client is not a user');
  const values = result.stdout.split('\n').filter(Boolean).map((line) => line.search(/ {2}\S/));
  assert.equal(new Set(values).size, 1, `values start in one column:\n${result.stdout}`);
  assert.equal(emulator.counts.tenants, 1, 'the name comes from the verification call');
});

test('on a terminal the view is coloured, unless NO_COLOR or --no-color', needsScript, async () => {
  const whoami = async (args: string[], extra: Record<string, string> = {}) => {
    const { code, screen } = await onTerminal(['whoami', ...args], { NO_COLOR: undefined, ...envOnly(), ...extra });
    assert.equal(code, 0, screen);
    return screen;
  };
  const coloured = await whoami([]);
  assert.match(coloured, /\x1b\[1m(\S+)/, coloured);
  assert.match(coloured, /Emulated Company/);
  assert.doesNotMatch(await whoami([], { NO_COLOR: '1' }), /\x1b\[/);
  assert.doesNotMatch(await whoami(['--no-color']), /\x1b\[/);
  assert.doesNotMatch(await whoami(['--json']), /\x1b\[/, 'JSON is never coloured');
});

test('--json is one stable document, the same token reused', async () => {
  const first = await runCli(['token', '--client-credentials'], { env: envOnly() });
  const result = await runCli(['whoami', '--json'], { env: envOnly() });
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout) as Record<string, any>;
  assert.deepEqual(Object.keys(report), ['identity', 'flow', 'profile', 'tenant', 'resource', 'api_version', 'expires_at', 'expires_in', 'scopes', 'roles', 'account', 'verified_by', 'namespace']);
  assert.deepEqual(Object.keys(report.identity), ['kind', 'name', 'email', 'subject', 'client_id']);
  assert.equal(report.identity.kind, 'client');
  assert.equal(report.identity.client_id, emulator.confidentialClient.clientId);
  assert.equal(report.identity.name, null);
  assert.deepEqual(report.tenant, { id: emulator.tenantId, name: emulator.tenantName, alias: emulator.tenantAlias });
  assert.equal(report.flow, 'client-credentials');
  assert.equal(report.resource, emulator.resource);
  assert.ok(Number.isInteger(report.expires_in) && report.expires_in > 3500);
  assert.deepEqual(report.scopes, ['ocsapi']);
  assert.deepEqual(report.roles, []);
  assert.ok(!result.stdout.includes(first.stdout.trim()), 'whoami does not print the token');
  assert.equal(emulator.counts.token, 1);
});

test('a token the API rejects is exit 4 with the reason, and nothing on stdout', async () => {
  assert.equal((await runCli(['token', '--client-credentials'], { env: envOnly() })).code, 0);
  emulator.revokeAllTokens();
  const result = await runCli(['whoami'], { env: envOnly() });
  assertFailure(result, 4, /the API rejected the token for tenant .*401: The token was revoked/);
  assert.match(result.stderr, /hint: .*log in again/);
  assertFailure(await runCli(['whoami', '--json'], { env: envOnly() }), 4, /401/);
});

test('not logged in is exit 3, naming the command to run', async () => {
  assertFailure(await runCli(['whoami'], { env: pkceEnv() }), 3, /ocs-auth login --pkce/);
  assertFailure(await runCli(['whoami', '--client-credentials'], { env: envOnly({ OCS_CLIENT_SECRET: undefined }) }), 3, /login/);
  assert.equal(emulator.counts.tenants, 0);
});

test('after a browser login: the user by name and email, the public client, the pkce flow', async () => {
  const port = await closedPort();
  let stderr = '';
  let found: (url: string) => void = () => {};
  const url = new Promise<string>((resolve) => (found = resolve));
  emulator.registerRedirectUri(`http://127.0.0.1:${port}/callback.html`);
  const login = runCli(['login', '--pkce', '--no-browser', '--redirect-uri', `http://127.0.0.1:${port}/callback.html`], {
    env: pkceEnv(),
    onStderr: (text) => {
      stderr += text;
      const match = /^\s+(http:\/\/\S+\/connect\/authorize\?\S+)$/m.exec(stderr);
      if (match) found(match[1]!);
    },
  });
  void login.then((result) => found(`no URL; exit ${result.code}: ${result.stderr}`));
  await completeBrowserLogin(await url, emulator.user);
  assert.equal((await login).code, 0, stderr);

  const result = await runCli(['whoami'], { env: pkceEnv() });
  assert.equal(result.code, 0, result.stderr);
  const report = fields(result.stdout);
  assert.equal(report.get('User'), `${emulator.user.name} <${emulator.user.email}>`);
  assert.equal(report.get('Subject'), emulator.user.sub);
  assert.equal(report.get('Client'), emulator.publicClient.clientId);
  assert.match(report.get('Flow')!, /^pkce/);
  assert.equal(report.get('Tenant'), `${emulator.tenantName} (alias ${emulator.tenantAlias})`);


  // The README's example is this run, but for where the server is and when the token ends.
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const example = fields(/```console\n\$ ocs-auth whoami\n([\s\S]*?)```/.exec(readme)![1]!);
  for (const label of ['Resource', 'Expires']) {
    example.delete(label);
    report.delete(label);
  }
  assert.deepEqual([...example], [...report], 'README.md "whoami" example');

  const json = JSON.parse((await runCli(['whoami', '--json'], { env: pkceEnv() })).stdout) as { identity: Record<string, string> };
  assert.deepEqual(json.identity, {
    kind: 'user',
    name: emulator.user.name,
    email: emulator.user.email,
    subject: emulator.user.sub,
    client_id: emulator.publicClient.clientId,
  });
});
