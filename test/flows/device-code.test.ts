import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CredentialsRejectedError, LoginRequiredError, NetworkError, UsageError } from '../../src/errors.ts';
import { processDeviceAuthorizationResponse, processDeviceTokenResponse } from '../../src/flows/device-code.ts';
import type { HttpResponse } from '../../src/flows/http.ts';

const respond = (status: number, body: unknown): HttpResponse => ({
  status,
  headers: {},
  body: typeof body === 'string' ? body : JSON.stringify(body),
  url: 'https://x.example/identity/connect/deviceauthorization',
});

const GOOD = {
  device_code: 'dc',
  user_code: 'ABCD-EFGH',
  verification_uri: 'https://x.example/identity/connect/device',
  verification_uri_complete: 'https://x.example/identity/connect/device?user_code=ABCD-EFGH',
  expires_in: 600,
};
const ISSUER = 'https://x.example/identity';
const CLIENT = 'device-client';

const jwt = (claims: Record<string, unknown>) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
const tokens = (extra: Record<string, unknown> = {}) => respond(200, { access_token: 'at', token_type: 'Bearer', expires_in: 3600, refresh_token: 'rt', ...extra });

test('a device authorization answer: codes, absolute expiry, the server interval or the RFC default of 5 s', () => {
  assert.deepEqual(processDeviceAuthorizationResponse(respond(200, GOOD), 1_000), {
    deviceCode: 'dc',
    userCode: 'ABCD-EFGH',
    verificationUri: GOOD.verification_uri,
    verificationUriComplete: GOOD.verification_uri_complete,
    expiresAt: 601_000,
    intervalSeconds: 5,
  });
  const { verification_uri_complete: _, ...plain } = GOOD;
  const parsed = processDeviceAuthorizationResponse(respond(200, { ...plain, interval: 2 }), 0);
  assert.equal(parsed.verificationUriComplete, undefined);
  assert.equal(parsed.intervalSeconds, 2);
});

test('what would reach the terminal or the browser is checked: no control characters, only web addresses', () => {
  for (const bad of [
    { user_code: 'AB\u001b[2JCD' },
    { user_code: '' },
    { verification_uri: 'javascript:alert(1)' },
    { verification_uri: 'file:///etc/passwd' },
    { verification_uri_complete: 'not a url' },
    { device_code: 42 },
    { expires_in: 0 },
    { expires_in: 'later' },
    { interval: -1 },
  ]) {
    assert.throws(() => processDeviceAuthorizationResponse(respond(200, { ...GOOD, ...bad }), 0), NetworkError, JSON.stringify(bad));
  }
  assert.throws(() => processDeviceAuthorizationResponse(respond(200, '<html>'), 0), NetworkError);
});

test('a refused device authorization: a client that is no device client is exit 4, other refusals exit 2, server trouble exit 5', () => {
  assert.throws(() => processDeviceAuthorizationResponse(respond(400, { error: 'unauthorized_client' }), 0), CredentialsRejectedError);
  assert.throws(() => processDeviceAuthorizationResponse(respond(401, { error: 'invalid_client' }), 0), CredentialsRejectedError);
  assert.throws(() => processDeviceAuthorizationResponse(respond(400, { error: 'invalid_scope' }), 0), UsageError);
  assert.throws(() => processDeviceAuthorizationResponse(respond(503, ''), 0), NetworkError);
});

test('polls: pending and slow_down go on; expired_token is exit 3, access_denied exit 4', () => {
  const expected = { issuer: ISSUER, clientId: CLIENT };
  assert.deepEqual(processDeviceTokenResponse(respond(400, { error: 'authorization_pending' }), 0, expected), { status: 'pending' });
  assert.deepEqual(processDeviceTokenResponse(respond(400, { error: 'slow_down' }), 0, expected), { status: 'slow-down' });
  assert.throws(() => processDeviceTokenResponse(respond(400, { error: 'expired_token' }), 0, expected), LoginRequiredError);
  assert.throws(() => processDeviceTokenResponse(respond(400, { error: 'access_denied' }), 0, expected), CredentialsRejectedError);
  assert.throws(() => processDeviceTokenResponse(respond(400, { error: 'invalid_grant' }), 0, expected), CredentialsRejectedError);
});

test('a poll the server fails (5xx, 429) is no answer: another try, carrying the error for when the code expires', () => {
  const expected = { issuer: ISSUER, clientId: CLIENT };
  for (const status of [500, 503, 429]) {
    const poll = processDeviceTokenResponse(respond(status, { error: 'server_error' }), 0, expected);
    assert.equal(poll.status, 'failed');
    assert.ok(poll.status === 'failed' && poll.error instanceof NetworkError && poll.error.message.includes(String(status)));
  }
  assert.throws(() => processDeviceTokenResponse(respond(200, '<html>'), 0, expected), NetworkError, 'a broken 200 is not retried: the code is spent');
});

test('approved: the tokens, and an ID token checked as a browser login\'s is: issuer, audience, authorized party, expiry, issue time', () => {
  const expected = { issuer: ISSUER, clientId: CLIENT };
  const now = 1_800_000_000_000;
  const current = { iss: ISSUER, aud: CLIENT, exp: now / 1000 + 300, iat: now / 1000 };
  const poll = (claims: Record<string, unknown>) => processDeviceTokenResponse(tokens({ id_token: jwt(claims) }), now, expected);
  const plain = processDeviceTokenResponse(tokens(), now, expected);
  assert.equal(plain.status, 'approved');
  const withId = poll({ ...current, sub: 'alice' });
  assert.deepEqual(withId.status === 'approved' && withId.idTokenClaims, { ...current, sub: 'alice' });
  assert.equal(poll({ ...current, aud: ['other', CLIENT], azp: CLIENT }).status, 'approved');
  assert.throws(() => poll({ ...current, iss: 'https://evil.example' }), /issued by "https:\/\/evil\.example"/);
  assert.throws(() => poll({ ...current, aud: 'other' }), /is meant for "other", not for client device-client/);
  assert.throws(() => poll({ ...current, azp: 'other' }), /requested by client "other"/);
  assert.throws(() => poll({ ...current, exp: now / 1000 - 301 }), /expired at/);
  assert.throws(() => poll({ ...current, exp: undefined }), /has no expiry/);
  assert.throws(() => poll({ ...current, iat: now / 1000 + 301 }), /issued in the future/);
  assert.throws(() => poll({ ...current, iat: undefined }), /has no issue time/);
  assert.throws(() => processDeviceTokenResponse(tokens({ id_token: 'opaque' }), now, expected), NetworkError);
});
