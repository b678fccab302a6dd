import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/errors.ts';
import { parseSampleSettings, readSampleSettings } from '../../src/config/sample-settings.ts';


test("reads the samples' appsettings.json", () => {
  const text = JSON.stringify({
    Resource: 'https://dat-b.osisoft.com',
    ApiVersion: 'v1',
    TenantId: 'tenant',
    ClientId: 'client',
    ClientSecret: 'secret',
    NamespaceId: 'plant',
  });
  assert.deepEqual(parseSampleSettings(text, 'appsettings.json'), {
    namespace: 'plant',
    resource: 'https://dat-b.osisoft.com',
    apiVersion: 'v1',
    tenantId: 'tenant',
    clientId: 'client',
    clientSecret: 'secret',
  });
});

test("reads the samples' config.ini [Configuration] section", () => {
  const text = '[Configuration]\nNamespace = ns\nResource = https://dat-b.osisoft.com\nTenantId = t\nClientId = c\nClientSecret = s\n';
  assert.deepEqual(parseSampleSettings(text, 'config.ini'), {
    namespace: 'ns',
    resource: 'https://dat-b.osisoft.com',
    tenantId: 't',
    clientId: 'c',
    clientSecret: 's',
  });
});

test('placeholders, foreign files and empty files are refused', () => {
  assert.throws(() => parseSampleSettings('{"TenantId":"PLACEHOLDER_REPLACE_WITH_TENANT_ID"}', 'a.json'), /placeholder/);
  assert.throws(() => parseSampleSettings('{"Other":"x"}', 'a.json'), UsageError);
  assert.throws(() => parseSampleSettings('{"NamespaceId":"plant"}', 'a.json'), UsageError, 'a namespace alone is no login');
  assert.throws(() => parseSampleSettings('{ broken', 'a.json'), UsageError);
  assert.throws(() => parseSampleSettings('[Other]\nx = y\n', 'a.ini'), /no \[Configuration\] section|\[Access\]/);
});

test("reads the CONNECT samples' appsettings.json in both key styles", () => {
  assert.deepEqual(
    parseSampleSettings(
      JSON.stringify({ Resource: 'https://platform.connect.aveva.com', AccountId: 'a', ClientId: 'c', ClientSecret: 's', Scope: 'api', DataStoreId: 'd' }),
      'appsettings.json',
    ),
    { resource: 'https://platform.connect.aveva.com', accountId: 'a', clientId: 'c', clientSecret: 's', scope: 'api', namespace: 'd' },
  );
  const wellKnown = 'https://identity.platform.connect.aveva.com/account/a/authentication/.well-known/openid-configuration';
  assert.deepEqual(
    parseSampleSettings(
      JSON.stringify({ well_known_url: wellKnown, client_id: 'c', client_secret: 's', account_id: 'a', data_store_id: 'd', base_url: 'https://platform.connect.aveva.com' }),
      'appsettings.json',
    ),
    { discoveryUrl: wellKnown, clientId: 'c', clientSecret: 's', accountId: 'a', namespace: 'd', resource: 'https://platform.connect.aveva.com' },
  );
  // The CONNECT samples' placeholders.
  assert.throws(() => parseSampleSettings('{"client_id":"your-client-id"}', 'a.json'), /placeholder/);
  assert.throws(() => parseSampleSettings('{"account_id":"<account-id>"}', 'a.json'), /placeholder/);
});

// The older OSIsoft OMF/SDS samples (AVEVA/AVEVA-Samples omf_samples/basic_samples/OMF_API).
test("reads the older samples' config.ini: [Configurations], [Access], [Credentials]", () => {
  const text =
    '[Configurations]\nNamespace = Samples\n\n[Access]\nResource = https://dat-b.osisoft.com\nTenant = t\nApiVersion = v1-preview\n\n' +
    '[Credentials]\nProducerToken = x\nClientId = c\nClientSecret = s\n';
  assert.deepEqual(parseSampleSettings(text, 'config.ini'), {
    resource: 'https://dat-b.osisoft.com',
    tenantId: 't',
    apiVersion: 'v1-preview',
    clientId: 'c',
    clientSecret: 's',
    namespace: 'Samples',
  });
});

test('reads appsettings.json with ClientKey for the secret, and its NamespaceId as the namespace', () => {
  const text = JSON.stringify({ NamespaceId: 'ns', TenantId: 't', Resource: 'https://dat-b.osisoft.com', ClientId: 'c', ClientKey: 's' });
  assert.deepEqual(parseSampleSettings(text, 'appsettings.json'), {
    namespace: 'ns',
    tenantId: 't',
    resource: 'https://dat-b.osisoft.com',
    clientId: 'c',
    clientSecret: 's',
  });
});

test('a missing sample file is one line in plain words', async () => {
  await assert.rejects(readSampleSettings('/nonexistent/nope.json'), (error: Error) => {
    assert.ok(error instanceof UsageError);
    assert.equal(error.message, 'cannot read /nonexistent/nope.json: no such file');
    return true;
  });
});

test('reads appsettings.json as .NET does: a byte-order mark, // and /* */ comments, trailing commas', () => {
  const text = '\uFEFF{\r\n  // the tenant\r\n  "Resource": "https://dat-b.osisoft.com", /* region */\r\n  "TenantId": "t",\r\n  "ClientId": "c",\r\n}\r\n';
  assert.deepEqual(parseSampleSettings(text, 'appsettings.json'), { resource: 'https://dat-b.osisoft.com', tenantId: 't', clientId: 'c' });
  // A file that opens with a comment is still JSON, whatever its name.
  assert.deepEqual(parseSampleSettings('// settings\n{"TenantId":"t"}', 'settings.txt'), { tenantId: 't' });
});

test('a JSON syntax error names the line and column', () => {
  assert.throws(
    () => parseSampleSettings('{\n  "TenantId": "t"\n  "ClientId": "c"\n}', 'appsettings.json'),
    (error: Error) => {
      assert.ok(error instanceof UsageError);
      assert.equal(error.message, 'appsettings.json:3:3: expected ","');
      return true;
    },
  );
  assert.throws(() => parseSampleSettings('{ broken', 'a.json'), /^UsageError: a\.json:1:3: /);
});

// AVEVA's hybrid-login sample: a confidential client that also signs a user in.
test("names the hybrid sample's keys that are not imported, never keeping a password", () => {
  const text = JSON.stringify({
    Resource: 'https://uswe.datahub.connect.aveva.com',
    TenantId: 't',
    ClientId: 'c',
    ClientSecret: 's',
    RedirectHost: 'https://127.0.0.1',
    RedirectPort: 54567,
    RedirectPath: 'signin-oidc',
    Username: 'alice@example.com',
    Password: 'correct horse',
  });
  const settings = parseSampleSettings(text, 'appsettings.json');
  assert.deepEqual(
    settings.notImported?.map(({ key }) => key),
    ['RedirectHost', 'RedirectPort', 'RedirectPath', 'Username', 'Password'],
  );
  assert.match(settings.notImported![4]!.reason, /never stores a password/);
  assert.ok(!JSON.stringify(settings).includes('correct horse'));
});
