// What a stored secret is bound to, compared field by field: the end-to-end binding tests
// (test/e2e/credential-binding.test.ts) reach most fields, but a changed account with its
// discovery URL kept is refused earlier by the settings, so the account is checked here too.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bindingChanges, type Binding } from '../../src/flows/bound-secret.ts';

const STORED: Binding = {
  resource: 'https://platform.connect.aveva.com',
  discovery_url: 'https://identity.platform.connect.aveva.com/account/a1/authentication/.well-known/openid-configuration',
  issuer: 'https://identity.platform.connect.aveva.com/account/a1/authentication',
  client_id: 'c1',
  tenant_id: null,
  account_id: 'a1',
};

test('every field of the binding counts; a tenant id differs only in more than case', () => {
  assert.deepEqual(bindingChanges(STORED, { ...STORED }), []);
  assert.deepEqual(bindingChanges(STORED, { ...STORED, account_id: 'a2' }), ['account a1, now a2']);
  assert.deepEqual(bindingChanges(STORED, { ...STORED, client_id: 'c2' }), ['client c1, now c2']);
  assert.deepEqual(bindingChanges(STORED, { ...STORED, resource: 'https://other.example' }), ['resource https://platform.connect.aveva.com, now https://other.example']);
  assert.equal(bindingChanges(STORED, { ...STORED, discovery_url: 'https://x.example/.well-known/openid-configuration' }).length, 1);
  assert.equal(bindingChanges(STORED, { ...STORED, issuer: 'https://x.example' }).length, 1);
  assert.deepEqual(bindingChanges(STORED, { ...STORED, issuer: null }), [], 'a secret not yet bound to an issuer is compared without it');
  const tenant: Binding = { ...STORED, tenant_id: 'AB-12', account_id: null };
  assert.deepEqual(bindingChanges(tenant, { ...tenant, tenant_id: 'ab-12' }), []);
  assert.deepEqual(bindingChanges(tenant, { ...tenant, tenant_id: 'ab-13' }), ['tenant AB-12, now ab-13']);
});
