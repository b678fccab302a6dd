import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CredentialsRejectedError, UsageError } from '../../src/errors.ts';
import { processTenantResponse } from '../../src/flows/tenant.ts';

const address = { resource: 'https://uswe.datahub.connect.aveva.com', apiVersion: 'v1', tenantId: '5c8d9a2e-71b4-4f3a-9e06-0d2f6b1c4a77' };
const answer = (status: number) => ({ status, headers: {}, body: '', url: 'https://uswe.datahub.connect.aveva.com/api/v1/Tenants/x' });

test('a 403 from the tenant call points at the tenant id, not at logging in again', () => {
  assert.throws(
    () => processTenantResponse(answer(403), address),
    (error: CredentialsRejectedError) => error instanceof CredentialsRejectedError && /--tenant-id/.test(error.hint ?? '') && !/log in/.test(error.hint ?? ''),
  );
});

test('a 404 from the tenant call is the path (the API version, or no OCS API there), since OCS answers 403 for a tenant that is not yours', () => {
  assert.throws(
    () => processTenantResponse(answer(404), { ...address, apiVersion: 'v9' }),
    (error: UsageError) => error instanceof UsageError && /API version "v9"/.test(error.message) && /--api-version v1/.test(error.hint ?? ''),
  );
  // The token was issued for this resource: the sign-in is not what went wrong, nor the region.
  assert.throws(
    () => processTenantResponse(answer(404), address),
    (error: UsageError) =>
      error instanceof UsageError && /^the sign-in worked, but .* answered 404: .* has no OCS tenant API$/.test(error.message) && !/--resource|region/.test(error.hint ?? ''),
  );
});
