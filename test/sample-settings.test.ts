import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../src/errors.ts';
import { parseSampleSettings } from '../src/sample-settings.ts';

test("reads the samples' appsettings.json", () => {
  const text = JSON.stringify({
    Resource: 'https://dat-b.osisoft.com',
    ApiVersion: 'v1',
    TenantId: 'tenant',
    ClientId: 'client',
    ClientSecret: 'secret',
    NamespaceId: 'ignored',
  });
  assert.deepEqual(parseSampleSettings(text, 'appsettings.json'), {
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
    resource: 'https://dat-b.osisoft.com',
    tenantId: 't',
    clientId: 'c',
    clientSecret: 's',
  });
});

test('placeholders, foreign files and empty files are refused', () => {
  assert.throws(() => parseSampleSettings('{"TenantId":"PLACEHOLDER_REPLACE_WITH_TENANT_ID"}', 'a.json'), /placeholder/);
  assert.throws(() => parseSampleSettings('{"Other":"x"}', 'a.json'), UsageError);
  assert.throws(() => parseSampleSettings('{ broken', 'a.json'), UsageError);
  assert.throws(() => parseSampleSettings('[Other]\nx = y\n', 'a.ini'), /no \[Configuration\] section/);
});
