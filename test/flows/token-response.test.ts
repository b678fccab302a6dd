import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CredentialsRejectedError, NetworkError, UsageError } from '../../src/errors.ts';
import type { HttpResponse } from '../../src/flows/http.ts';
import { ASSUMED_LIFETIME_SECONDS, processTokenResponse } from '../../src/flows/token-response.ts';

const respond = (status: number, body: unknown): HttpResponse => ({
  status,
  headers: {},
  body: typeof body === 'string' ? body : JSON.stringify(body),
  url: 'https://x.example/identity/connect/token',
});

test('a good answer becomes a TokenSet with an absolute expiry', () => {
  const tokens = processTokenResponse(respond(200, { access_token: 'a', token_type: 'bearer', expires_in: 3600, refresh_token: 'r' }), 1_000);
  assert.deepEqual(tokens, { accessToken: 'a', tokenType: 'Bearer', expiresAt: 3_601_000, refreshToken: 'r' });
  assert.equal(processTokenResponse(respond(200, { access_token: 'a', token_type: 'Bearer', expires_in: '60' }), 0).expiresAt, 60_000);
});

test('answers we cannot use are network errors (exit 5), not crashes', () => {
  for (const body of [
    '<html>maintenance</html>',
    { token_type: 'Bearer', expires_in: 60 },
    { access_token: 'a', token_type: 'mac', expires_in: 60 },
    { access_token: 'a', token_type: 'Bearer', expires_in: 'soon' },
    { access_token: 'a', token_type: 'Bearer', expires_in: -5 },
    { access_token: 'a', token_type: 'Bearer', expires_in: 5e-324 },
    { access_token: 'a', token_type: 'Bearer', expires_in: 0.5 },
    { access_token: 'a', token_type: 'Bearer', expires_in: 1.797693134862316e305 },
    { access_token: 'a', token_type: 'Bearer', expires_in: 400 * 24 * 3600 },
    [],
  ]) {
    assert.throws(() => processTokenResponse(respond(200, body), 0), NetworkError, JSON.stringify(body));
  }
  assert.throws(() => processTokenResponse(respond(503, 'busy'), 0), NetworkError);
  assert.throws(() => processTokenResponse(respond(429, { error: 'slow_down' }), 0), NetworkError);
});

test('OAuth errors map to exit codes by meaning', () => {
  assert.throws(() => processTokenResponse(respond(401, { error: 'invalid_client' }), 0), CredentialsRejectedError);
  assert.throws(() => processTokenResponse(respond(400, { error: 'invalid_grant', error_description: 'expired' }), 0), /invalid_grant: expired/);
  assert.throws(() => processTokenResponse(respond(400, { error: 'invalid_scope' }), 0), UsageError);
  assert.throws(() => processTokenResponse(respond(401, 'nope'), 0), CredentialsRejectedError);
});

test('without expires_in, the lifetime is what the access token JWT has left by its exp, else a short assumed one', () => {
  const jwt = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
  const now = 1_700_000_000_000;
  const answer = (accessToken: string) => processTokenResponse(respond(200, { access_token: accessToken, token_type: 'Bearer' }), now);
  assert.equal(answer(jwt({ exp: now / 1000 + 120 })).expiresAt, now + 120_000);
  assert.equal(answer('opaque-token').expiresAt, now + ASSUMED_LIFETIME_SECONDS * 1000);
  assert.equal(answer(jwt({ sub: 'x' })).expiresAt, now + ASSUMED_LIFETIME_SECONDS * 1000);
  assert.equal(answer(jwt({ exp: now / 1000 - 10 })).expiresAt, now + ASSUMED_LIFETIME_SECONDS * 1000, 'an exp already past says the clocks disagree');
  assert.ok(ASSUMED_LIFETIME_SECONDS < 3600 && ASSUMED_LIFETIME_SECONDS > 300);
});

test('an access_token outside RFC 6750 b64token is exit 5, the token not in the message; every b64token is taken', () => {
  for (const bad of ['esc\u001b[2Jape', 'nul\u0000byte', 'two words', 'qu"ote', 'eq=uals', 'ünïcødé', '=']) {
    assert.throws(
      () => processTokenResponse(respond(200, { access_token: bad, token_type: 'Bearer', expires_in: 60 }), 0),
      (error: unknown) => error instanceof NetworkError && /RFC 6750/.test(error.message) && !error.message.includes(bad),
      JSON.stringify(bad),
    );
  }
  for (const good of ['eyJhbGciOi.eyJzdWIi.c2ln', 'A-Z_a~z+0/9==', 'x=']) {
    assert.equal(processTokenResponse(respond(200, { access_token: good, token_type: 'Bearer', expires_in: 60 }), 0).accessToken, good);
  }
});
