import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/errors.ts';
import { apiBase, normalizeResource, requireComplete, resolveSettings } from '../../src/config/settings.ts';

const file = {
  default: { resource: 'https://profile.example', tenant_id: 'profile-tenant', client_id: 'profile-client', flow: 'pkce', api_version: 'v2' },
  other: { resource: 'https://other.example', tenant_id: 'other-tenant', client_id: 'other-client' },
};

test('flag beats environment beats profile beats default', () => {
  const env = { OCS_RESOURCE: 'https://env.example', OCS_TENANT_ID: 'env-tenant' };
  const settings = resolveSettings({ resource: 'https://flag.example' }, env, file);
  assert.equal(settings.resource, 'https://flag.example');
  assert.equal(settings.tenantId, 'env-tenant');
  assert.equal(settings.clientId, 'profile-client');
  assert.equal(settings.apiVersion, 'v2');
  assert.equal(settings.redirectUri, 'http://localhost:5004/callback.html');
  assert.equal(settings.flow, 'pkce');
  assert.equal(settings.profileExists, true);
});

test('the profile comes from --profile, then OCS_AUTH_PROFILE, then "default"', () => {
  assert.equal(resolveSettings({}, { OCS_AUTH_PROFILE: 'other' }, file).tenantId, 'other-tenant');
  assert.equal(resolveSettings({ profile: 'default' }, { OCS_AUTH_PROFILE: 'other' }, file).tenantId, 'profile-tenant');
  assert.equal(resolveSettings({ profile: 'nowhere' }, {}, file).profileExists, false);
  assert.equal(resolveSettings({}, {}, {}).apiVersion, 'v1');
});

test('the flow: flag, OCS_AUTH_FLOW, profile, else client credentials only when a secret is in the environment', () => {
  assert.equal(resolveSettings({ flow: 'client-credentials' }, { OCS_AUTH_FLOW: 'pkce' }, file).flow, 'client-credentials');
  assert.equal(resolveSettings({}, { OCS_AUTH_FLOW: 'client-credentials' }, file).flow, 'client-credentials');
  assert.equal(resolveSettings({}, {}, {}).flow, 'pkce');
  assert.equal(resolveSettings({}, { OCS_CLIENT_SECRET: 's' }, {}).flow, 'client-credentials');
  assert.throws(() => resolveSettings({}, { OCS_AUTH_FLOW: 'implicit' }, {}), /OCS_AUTH_FLOW must be pkce or client-credentials/);
  assert.throws(() => resolveSettings({}, { OCS_AUTH_STORAGE: 'cloud' }, {}), UsageError);
});

test('missing settings are named all at once, with flags and variables', () => {
  assert.throws(() => requireComplete(resolveSettings({}, {}, {})), (error: unknown) => {
    assert.ok(error instanceof UsageError);
    assert.match(error.message, /--resource URL, --tenant-id ID or --account-id ID, --client-id ID/);
    assert.match(error.hint ?? "", /OCS_RESOURCE, OCS_TENANT_ID or OCS_ACCOUNT_ID, OCS_CLIENT_ID/);
    return true;
  });
});

test('resources: https anywhere, http only on this machine, no trailing slash', () => {
  assert.equal(normalizeResource('https://uswe.datahub.connect.aveva.com/'), 'https://uswe.datahub.connect.aveva.com');
  assert.equal(normalizeResource('http://127.0.0.1:5005'), 'http://127.0.0.1:5005');
  assert.equal(normalizeResource('http://localhost:8080/'), 'http://localhost:8080');
  assert.throws(() => normalizeResource('http://dat-b.osisoft.com'), /must be an https:\/\/ URL/);
  // Names that only start like loopback are anyone's hosts (127.0.0.1.nip.io resolves to wherever its owner likes).
  for (const lookalike of ['http://127.0.0.1.nip.io', 'http://127.evil.example', 'http://localhost.evil.example']) {
    assert.throws(() => normalizeResource(lookalike), /must be an https:\/\/ URL/, lookalike);
  }
  assert.throws(() => normalizeResource('not a url'), /invalid resource URL/);
  assert.throws(() => normalizeResource('ftp://x.example'), UsageError);
  assert.throws(() => normalizeResource('https://x.example/?a=b'), UsageError);
});

test('the CA file: OCS_AUTH_CA_FILE beats ca_file in the profile; an empty variable does not count', () => {
  const config = { default: { ca_file: '/etc/company/root.pem' } };
  assert.equal(resolveSettings({}, {}, config).caFile, '/etc/company/root.pem');
  assert.equal(resolveSettings({}, { OCS_AUTH_CA_FILE: '/tmp/other.pem' }, config).caFile, '/tmp/other.pem');
  assert.equal(resolveSettings({}, { OCS_AUTH_CA_FILE: '' }, config).caFile, '/etc/company/root.pem');
  assert.equal(resolveSettings({}, {}, {}).caFile, undefined);
});

test('a CONNECT account instead of a tenant: the highest source naming either decides; one source naming both is exit 2', () => {
  const account = resolveSettings({ accountId: 'flag-account' }, { OCS_TENANT_ID: 'env-tenant' }, file);
  assert.equal(account.accountId, 'flag-account');
  assert.equal(account.tenantId, undefined, 'the tenant of a lower source does not mix in');
  assert.equal(resolveSettings({}, { OCS_ACCOUNT_ID: 'env-account' }, file).tenantId, undefined);
  assert.equal(resolveSettings({}, {}, { default: { account_id: 'a' } }).accountId, 'a');

  for (const [flags, env, config, names] of [
    [{ tenantId: 't', accountId: 'a' }, {}, {}, /--tenant-id and --account-id/],
    [{}, { OCS_TENANT_ID: 't', OCS_ACCOUNT_ID: 'a' }, {}, /OCS_TENANT_ID and OCS_ACCOUNT_ID/],
    [{}, {}, { default: { tenant_id: 't', account_id: 'a' } }, /tenant_id and account_id/],
  ] as const) {
    assert.throws(() => resolveSettings(flags, env, config), (error: unknown) => error instanceof UsageError && error.exitCode === 2 && names.test(error.message));
  }
  assert.throws(
    () => requireComplete(resolveSettings({ resource: 'https://r.example', clientId: 'c' }, {}, {})),
    (error: unknown) => error instanceof UsageError && /--tenant-id ID or --account-id ID/.test(error.message) && /OCS_TENANT_ID or OCS_ACCOUNT_ID/.test(error.hint ?? ''),
  );
});

test('the discovery URL: derived for a tenant and for a CONNECT account, or configured (https, http only on this machine)', () => {
  const complete = (flags: Parameters<typeof resolveSettings>[0]) => requireComplete(resolveSettings({ clientId: 'c', ...flags }, {}, {}));
  assert.equal(
    complete({ resource: 'https://uswe.datahub.connect.aveva.com', tenantId: 't' }).discoveryUrl,
    'https://uswe.datahub.connect.aveva.com/identity/.well-known/openid-configuration',
  );
  assert.equal(
    complete({ resource: 'https://platform.connect.aveva.com', accountId: 'acc-1' }).discoveryUrl,
    'https://identity.platform.connect.aveva.com/account/acc-1/authentication/.well-known/openid-configuration',
  );
  assert.throws(() => complete({ resource: 'http://127.0.0.1:5055', accountId: 'acc-1' }), /no discovery URL can be derived for an account on http:\/\/127\.0\.0\.1:5055/, 'identity.127.0.0.1 over plain http would leave the machine');
  const configured = 'https://identity.staging.example/account/acc-1/authentication/.well-known/openid-configuration';
  assert.equal(complete({ resource: 'https://platform.connect.aveva.com', accountId: 'acc-1', discoveryUrl: configured }).discoveryUrl, configured);
  assert.equal(resolveSettings({}, { OCS_DISCOVERY_URL: configured }, {}).discoveryUrl, configured);
  assert.equal(resolveSettings({}, {}, { default: { discovery_url: configured } }).discoveryUrl, configured);
  assert.ok(resolveSettings({ discoveryUrl: 'http://127.0.0.1:1/x/.well-known/openid-configuration' }, {}, {}).discoveryUrl);
  assert.throws(() => resolveSettings({ discoveryUrl: 'http://identity.example/.well-known/openid-configuration' }, {}, {}), /https/);
  assert.throws(() => resolveSettings({ discoveryUrl: 'https://identity.example/account/a' }, {}, {}), /must end with \/\.well-known\/openid-configuration/);
  // Django OAuth Toolkit serves it with a trailing slash (and redirects the form without one there).
  const slashed = 'https://identity.example/o/.well-known/openid-configuration/';
  assert.equal(resolveSettings({ discoveryUrl: slashed }, {}, {}).discoveryUrl, slashed);
});

test('the API base: {resource}/api/{version} for a tenant, {resource}/api/account/{id} for an account, no trailing slash', () => {
  const complete = (flags: Parameters<typeof resolveSettings>[0]) => requireComplete(resolveSettings({ clientId: 'c', resource: 'https://r.example', ...flags }, {}, {}));
  assert.equal(apiBase(complete({ tenantId: 't', apiVersion: 'v2' })), 'https://r.example/api/v2');
  assert.equal(apiBase(complete({ accountId: 'acc-1' })), 'https://r.example/api/account/acc-1');
});

test('a profile named explicitly takes its own server, tenant, client, discovery URL and flow over OCS_* variables, naming each one ignored', () => {
  const config = { ...file, cc: { resource: 'https://cc.example', tenant_id: 'cc-tenant', client_id: 'cc-client', flow: 'client-credentials', api_version: 'v3' } };
  const env = {
    OCS_RESOURCE: 'https://env.example',
    OCS_TENANT_ID: 'env-tenant',
    OCS_CLIENT_ID: 'env-client',
    OCS_DISCOVERY_URL: 'https://env.example/identity/.well-known/openid-configuration',
    OCS_AUTH_FLOW: 'pkce',
    OCS_API_VERSION: 'v9',
    OCS_CLIENT_SECRET: 'env-secret',
  };
  for (const [flags, environment] of [[{ profile: 'cc' }, env], [{}, { ...env, OCS_AUTH_PROFILE: 'cc' }]] as const) {
    const settings = resolveSettings(flags, environment, config);
    assert.equal(settings.profile, 'cc');
    assert.equal(settings.resource, 'https://cc.example');
    assert.equal(settings.tenantId, 'cc-tenant');
    assert.equal(settings.clientId, 'cc-client');
    assert.equal(settings.discoveryUrl, undefined, 'derived from the profile\'s own resource');
    assert.equal(settings.flow, 'client-credentials');
    assert.equal(settings.apiVersion, 'v9', 'not a pointer elsewhere: the environment still beats the profile');
    assert.deepEqual(settings.ignoredVariables, ['OCS_RESOURCE', 'OCS_TENANT_ID', 'OCS_DISCOVERY_URL', 'OCS_CLIENT_ID', 'OCS_AUTH_FLOW']);
  }
  // A variable that agrees with the profile points nowhere else: not named.
  assert.deepEqual(resolveSettings({ profile: 'cc' }, { OCS_RESOURCE: 'https://cc.example/', OCS_TENANT_ID: 'cc-tenant' }, config).ignoredVariables, []);
  // An account in the environment is another place too, and so is the other form of the setting.
  assert.deepEqual(resolveSettings({ profile: 'cc' }, { OCS_ACCOUNT_ID: 'acc' }, config).ignoredVariables, ['OCS_ACCOUNT_ID']);
  // Flags still win, and are not variables to name.
  const flagged = resolveSettings({ profile: 'cc', tenantId: 'flag-tenant', resource: 'https://flag.example' }, env, config);
  assert.equal(flagged.tenantId, 'flag-tenant');
  assert.equal(flagged.resource, 'https://flag.example');
  assert.deepEqual(flagged.ignoredVariables, ['OCS_DISCOVERY_URL', 'OCS_CLIENT_ID', 'OCS_AUTH_FLOW']);
  // What the profile does not set, the environment fills in (a new profile, a login creating it).
  const sparse = resolveSettings({ profile: 'new' }, env, { new: { tenant_id: 'new-tenant' } });
  assert.equal(sparse.resource, 'https://env.example');
  assert.equal(sparse.clientId, 'env-client');
  assert.equal(sparse.tenantId, 'new-tenant');
  assert.deepEqual(sparse.ignoredVariables, ['OCS_TENANT_ID']);
});

test('with no profile named, the four CI variables are a client-credentials session of their own, whatever [default] holds', () => {
  const ci = { OCS_RESOURCE: 'https://env.example/', OCS_TENANT_ID: 'env-tenant', OCS_CLIENT_ID: 'env-client', OCS_CLIENT_SECRET: 's' };
  const withDefault = { default: { ...file.default, discovery_url: 'https://profile.example/identity/.well-known/openid-configuration', scope: 'x' } };
  const settings = resolveSettings({}, ci, withDefault);
  assert.match(settings.profile, /^env-[0-9a-f]+$/);
  assert.equal(settings.profileExists, false);
  assert.equal(settings.flow, 'client-credentials', 'not the pkce of [default]');
  assert.equal(settings.resource, 'https://env.example');
  assert.equal(settings.clientId, 'env-client');
  assert.equal(settings.apiVersion, 'v1', 'nothing of [default] mixes in');
  assert.equal(settings.discoveryUrl, undefined);
  assert.equal(settings.scope, undefined);
  assert.deepEqual(settings.ignoredVariables, []);
  // One name for one session: the same without [default], another for another client or tenant.
  assert.equal(resolveSettings({}, ci, {}).profile, settings.profile);
  assert.equal(resolveSettings({}, { ...ci, OCS_RESOURCE: 'https://env.example' }, {}).profile, settings.profile);
  assert.notEqual(resolveSettings({}, { ...ci, OCS_CLIENT_ID: 'other' }, {}).profile, settings.profile);
  const account = resolveSettings({}, { ...ci, OCS_TENANT_ID: undefined, OCS_ACCOUNT_ID: 'acc' }, {});
  assert.match(account.profile, /^env-/);
  assert.equal(account.accountId, 'acc');
  // Flags still win over the variables.
  assert.equal(resolveSettings({ tenantId: 'flag-tenant' }, ci, withDefault).tenantId, 'flag-tenant');

  // Not complete, or another flow asked for: [default] with the variables over it, as before.
  for (const [flags, env] of [
    [{}, { ...ci, OCS_CLIENT_SECRET: undefined }],
    [{}, { ...ci, OCS_CLIENT_ID: '' }],
    [{ flow: 'pkce' }, ci],
    [{}, { ...ci, OCS_AUTH_FLOW: 'device-code' }],
  ] as const) {
    const fallback = resolveSettings(flags, env, withDefault);
    assert.equal(fallback.profile, 'default');
    assert.equal(fallback.resource, 'https://env.example');
    assert.equal(fallback.apiVersion, 'v2');
  }
  // A login creates a profile: it keeps today's default profile.
  assert.equal(resolveSettings({}, ci, withDefault, { environmentSession: false }).profile, 'default');
});

test("a profile is one of the file's own sections: -p toString or constructor is no profile, not Object.prototype's", () => {
  for (const name of ['toString', 'constructor', 'hasOwnProperty', 'valueOf']) {
    const settings = resolveSettings({ profile: name }, {}, file);
    assert.equal(settings.profileExists, false, name);
    assert.equal(settings.resource, undefined, name);
  }
});
