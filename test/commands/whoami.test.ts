import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Chalk } from 'chalk';
import { renderWhoami, whoamiReport } from '../../src/commands/whoami.ts';
import { localTime } from '../../src/cli/time-format.ts';
import type { StoredToken } from '../../src/flows/stored-token.ts';
import type { CompleteSettings } from '../../src/config/settings.ts';

const NOW = Date.parse('2026-03-04T05:06:07Z');

function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'at+jwt' })}.${part(claims)}.signature`;
}

function token(claims: Record<string, unknown>): StoredToken {
  return {
    access_token: jwt(claims),
    token_type: 'Bearer',
    expires_at: NOW + 42 * 60_000 + 10_000,
    resource: 'https://uswe.datahub.connect.aveva.com',
    discovery_url: 'https://uswe.datahub.connect.aveva.com/identity/.well-known/openid-configuration',
    tenant_id: 'tenant-1',
    account_id: null,
    client_id: 'client-from-settings',
    issuer: 'https://uswe.datahub.connect.aveva.com/identity',
  };
}

const SETTINGS: CompleteSettings = {
  profile: 'prod',
  profileExists: true,
  resource: 'https://uswe.datahub.connect.aveva.com',
  apiVersion: 'v1',
  tenantId: 'tenant-1',
  accountId: undefined,
  discoveryUrl: 'https://uswe.datahub.connect.aveva.com/identity/.well-known/openid-configuration',
  clientId: 'client-from-settings',
  flow: 'pkce',
  redirectUri: 'http://localhost:5004/callback.html',
  scope: undefined,
  storage: undefined,
  caFile: undefined,
  ignoredVariables: [],
  namespace: undefined,
};
const TENANT = { Id: 'tenant-1', CompanyName: 'Contoso [Water]', Alias: 'contoso' };

test('IdentityServer-style claims: scope and role as arrays, the user by name and email', () => {
  const report = whoamiReport(
    SETTINGS,
    token({ sub: 'user-1', name: 'Alice', email: 'alice@example.com', client_id: 'app-1', scope: ['openid', 'ocsapi'], role: ['Account Member', 'Tenant Administrator'] }),
    TENANT,
    NOW,
  );
  assert.deepEqual(report.identity, { kind: 'user', name: 'Alice', email: 'alice@example.com', subject: 'user-1', client_id: 'app-1' });
  assert.deepEqual(report.scopes, ['openid', 'ocsapi']);
  assert.deepEqual(report.roles, ['Account Member', 'Tenant Administrator']);
  assert.equal(report.expires_in, 42 * 60 + 10);
  assert.deepEqual(report.tenant, { id: 'tenant-1', name: 'Contoso [Water]', alias: 'contoso' });
});

test('OAuth-style claims: scope as one string, roles from `roles` and a single `role`, duplicates once', () => {
  const report = whoamiReport(SETTINGS, token({ scope: 'ocsapi  offline_access', roles: ['Reader', 'Writer'], role: 'Reader' }), TENANT, NOW);
  assert.deepEqual(report.scopes, ['ocsapi', 'offline_access']);
  assert.deepEqual(report.roles, ['Reader', 'Writer']);
  assert.equal(report.identity.client_id, 'client-from-settings', 'no client_id claim: the configured client');
});

test('a token that is not a JWT still gets a report, with what is known', () => {
  const opaque: StoredToken = { ...token({}), access_token: 'opaque-token' };
  const report = whoamiReport({ ...SETTINGS, flow: 'client-credentials' }, opaque, { Id: 'tenant-1' }, NOW);
  assert.deepEqual(report.identity, { kind: 'client', name: null, email: null, subject: null, client_id: 'client-from-settings' });
  assert.deepEqual(report.tenant, { id: 'tenant-1', name: null, alias: null });
  assert.deepEqual(report.scopes, []);
});

test('the human view: aligned labels, "in 42m", colour only when asked for', () => {
  const report = whoamiReport(SETTINGS, token({ sub: 'user-1', name: 'Alice', email: 'alice@example.com', scope: 'ocsapi' }), TENANT, NOW);
  const plain = renderWhoami(report, new Chalk({ level: 0 }), NOW);
  assert.doesNotMatch(plain, /\x1b\[/);
  const lines = plain.trimEnd().split('\n');
  assert.equal(lines[0], 'User         Alice <alice@example.com>');
  assert.ok(lines.includes('Tenant       Contoso [Water] (alias contoso)'), plain);
  assert.ok(lines.includes('Roles        (none)'), plain);
  assert.match(plain, /^Expires {6}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d \(in 42m\)$/m);
  assert.equal(new Set(lines.map((line) => line.search(/ {2}\S/))).size, 1, 'one value column');

  const coloured = renderWhoami(report, new Chalk({ level: 1 }), NOW);
  assert.match(coloured, /\x1b\[1mAlice <alice@example.com>\x1b\[22m/);
  assert.equal(coloured.replace(/\x1b\[\d+m/g, ''), plain, 'colour changes nothing else');
});

test('a CONNECT account: no tenant, the account, and what vouched for the token said plainly', () => {
  const settings: CompleteSettings = {
    ...SETTINGS,
    resource: 'https://platform.connect.aveva.com',
    tenantId: undefined,
    accountId: 'account-1',
    discoveryUrl: 'https://identity.platform.connect.aveva.com/account/account-1/authentication/.well-known/openid-configuration',
  };
  const accountToken = { ...token({ sub: 'user-1', scope: 'api' }), tenant_id: null, account_id: 'account-1' };
  const unverified = whoamiReport({ ...settings, flow: 'client-credentials' }, accountToken, undefined, NOW);
  assert.equal(unverified.tenant, null);
  assert.deepEqual(unverified.account, { id: 'account-1' });
  assert.equal(unverified.verified_by, null);
  assert.match(renderWhoami(unverified, new Chalk({ level: 0 }), NOW), /^Verified +not by the server/m);

  const verified = whoamiReport(settings, accountToken, undefined, NOW, { sub: 'user-1', name: 'Alice', email: 'alice@example.com' });
  assert.equal(verified.verified_by, 'userinfo');
  assert.equal(verified.identity.name, 'Alice', 'userinfo claims fill in who it is');
  const plain = renderWhoami(verified, new Chalk({ level: 0 }), NOW);
  assert.match(plain, /^Account id +account-1$/m);
  assert.doesNotMatch(plain, /^Tenant/m);
  assert.equal(whoamiReport(SETTINGS, token({}), TENANT, NOW).verified_by, 'tenant-api');
});

test('local time carries its offset, half hours included', () => {
  const saved = process.env.TZ;
  try {
    process.env.TZ = 'Asia/Kolkata';
    assert.equal(localTime(Date.parse('2026-03-04T05:06:07Z')), '2026-03-04 10:36:07 +05:30');
    process.env.TZ = 'America/St_Johns';
    assert.equal(localTime(Date.parse('2026-01-04T05:06:07Z')), '2026-01-04 01:36:07 -03:30');
    process.env.TZ = 'UTC';
    assert.equal(localTime(Date.parse('2026-03-04T05:06:07Z')), '2026-03-04 05:06:07 +00:00');
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});
