import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CredentialsRejectedError, NetworkError } from '../../src/errors.ts';
import type { HttpClient, HttpResponse, RequestOptions } from '../../src/flows/http.ts';
import {
  authorizationCodeRequest,
  authorizationUrl,
  codeChallenge,
  createPkce,
  CLOCK_SKEW_SECONDS,
  processAuthorizationCodeResponse,
  randomToken,
  type AuthorizationRequest,
} from '../../src/flows/pkce.ts';

const BASE64URL = /^[A-Za-z0-9_-]+$/;

test('the S256 challenge of RFC 7636 appendix B', () => {
  // The RFC's own example, byte for byte (also what `openssl dgst -sha256 -binary | base64url` gives).
  assert.equal(codeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
});

test('a verifier is 32 random bytes as 43 base64url characters, fresh every time, with its challenge', () => {
  const first = createPkce();
  const second = createPkce();
  assert.equal(first.verifier.length, 43);
  assert.match(first.verifier, BASE64URL);
  assert.equal(Buffer.from(first.verifier, 'base64url').length, 32);
  assert.equal(first.challenge, codeChallenge(first.verifier));
  assert.notEqual(first.verifier, second.verifier);
  assert.notEqual(randomToken(), randomToken());
  assert.match(randomToken(), BASE64URL);
});

const REQUEST: AuthorizationRequest = {
  clientId: 'client+id&x=1',
  redirectUri: 'http://localhost:5004/callback.html',
  scope: 'openid ocsapi offline_access',
  codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  state: 'state-1',
  nonce: 'nonce-1',
  tenantId: '5c8d9a2e-71b4-4f3a-9e06-0d2f6b1c4a77',
};

test('the authorize URL carries every parameter once, in order', () => {
  const url = new URL(authorizationUrl('https://uswe.datahub.connect.aveva.com/identity/connect/authorize', REQUEST));
  assert.equal(url.origin + url.pathname, 'https://uswe.datahub.connect.aveva.com/identity/connect/authorize');
  assert.deepEqual(
    [...url.searchParams],
    [
      ['response_type', 'code'],
      ['client_id', 'client+id&x=1'],
      ['redirect_uri', 'http://localhost:5004/callback.html'],
      ['scope', 'openid ocsapi offline_access'],
      ['code_challenge', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'],
      ['code_challenge_method', 'S256'],
      ['state', 'state-1'],
      ['nonce', 'nonce-1'],
      ['acr_values', 'tenant:5c8d9a2e-71b4-4f3a-9e06-0d2f6b1c4a77'],
    ],
  );
});

test('the authorize URL percent-encodes every value, spaces as %20', () => {
  const query = new URL(authorizationUrl('https://x.example/identity/connect/authorize', REQUEST)).search;
  assert.ok(query.includes('client_id=client%2Bid%26x%3D1'), query);
  assert.ok(query.includes('redirect_uri=http%3A%2F%2Flocalhost%3A5004%2Fcallback.html'), query);
  assert.ok(query.includes('scope=openid%20ocsapi%20offline_access'), query);
  assert.ok(query.includes('acr_values=tenant%3A5c8d9a2e-71b4-4f3a-9e06-0d2f6b1c4a77'), query);
  assert.ok(!query.includes('+'), 'no "+" for a space, which only form decoders read as one');
});

test('an authorize endpoint that has a query keeps it', () => {
  const url = new URL(authorizationUrl('https://x.example/authorize?p=policy&state=stale', REQUEST));
  assert.equal(url.searchParams.get('p'), 'policy');
  assert.deepEqual(url.searchParams.getAll('state'), ['state-1'], 'our state replaces one already there');
});

const idToken = (claims: Record<string, unknown>) => `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;
const respond = (status: number, body: unknown): HttpResponse => ({ status, headers: {}, body: JSON.stringify(body), url: 'https://x.example/identity/connect/token' });
const EXPECTED = { nonce: 'nonce-1', issuer: 'https://x.example/identity', clientId: 'client-1' };
// Valid at t=0 and t=1 s, when these tests receive their answers.
const CURRENT = { aud: 'client-1', iat: 0, exp: 3600 };

test('the code exchange answer keeps the refresh token and the ID token claims when the nonce is ours', () => {
  const tokens = processAuthorizationCodeResponse(
    respond(200, {
      access_token: 'a',
      token_type: 'Bearer',
      expires_in: 3600,
      refresh_token: 'r',
      id_token: idToken({ iss: EXPECTED.issuer, nonce: 'nonce-1', ...CURRENT, sub: 'u1', name: 'Alice' }),
    }),
    1_000,
    EXPECTED,
  );
  assert.equal(tokens.accessToken, 'a');
  assert.equal(tokens.refreshToken, 'r');
  assert.equal(tokens.expiresAt, 3_601_000);
  assert.deepEqual(tokens.idTokenClaims, { iss: EXPECTED.issuer, nonce: 'nonce-1', ...CURRENT, sub: 'u1', name: 'Alice' });
  assert.equal(processAuthorizationCodeResponse(respond(200, { access_token: 'a', token_type: 'Bearer' }), 0, EXPECTED).idTokenClaims, undefined);
});

test('an ID token with another nonce or issuer, or no JWT at all, is refused', () => {
  const answer = (token: unknown) => respond(200, { access_token: 'a', token_type: 'Bearer', id_token: token });
  assert.throws(() => processAuthorizationCodeResponse(answer(idToken({ ...CURRENT, iss: EXPECTED.issuer, nonce: 'other' })), 0, EXPECTED), NetworkError);
  assert.throws(() => processAuthorizationCodeResponse(answer(idToken({ ...CURRENT, iss: EXPECTED.issuer })), 0, EXPECTED), /nonce/);
  assert.throws(() => processAuthorizationCodeResponse(answer(idToken({ ...CURRENT, iss: 'https://evil.example', nonce: 'nonce-1' })), 0, EXPECTED), /issued by/);
  assert.throws(() => processAuthorizationCodeResponse(answer('not-a-jwt'), 0, EXPECTED), NetworkError);
  assert.throws(() => processAuthorizationCodeResponse(answer(42), 0, EXPECTED), NetworkError);
});

test('an ID token for another client, expired, or from the future is refused; clocks may differ by the allowed skew', () => {
  const now = 1_700_000_000;
  const good = { iss: EXPECTED.issuer, nonce: 'nonce-1', aud: 'client-1', iat: now - 10, exp: now + 300 };
  const check = (claims: Record<string, unknown>) =>
    processAuthorizationCodeResponse(respond(200, { access_token: 'a', token_type: 'Bearer', expires_in: 60, id_token: idToken(claims) }), now * 1000, EXPECTED);
  assert.ok(check(good).idTokenClaims);
  assert.ok(check({ ...good, aud: ['other-api', 'client-1'], azp: 'client-1' }).idTokenClaims, 'several audiences, ours among them, azp ours');
  assert.ok(check({ ...good, exp: now - CLOCK_SKEW_SECONDS + 5 }).idTokenClaims, 'expired by less than the skew');
  assert.ok(check({ ...good, iat: now + CLOCK_SKEW_SECONDS - 5 }).idTokenClaims, 'issued "later" by less than the skew');
  const refused: [Record<string, unknown>, RegExp][] = [
    [{ ...good, aud: 'client-2' }, /meant for "client-2", not for client client-1/],
    [{ ...good, aud: ['client-2'] }, /not for client client-1/],
    [{ ...good, aud: undefined }, /not for client client-1/],
    [{ ...good, azp: 'client-2' }, /requested by client "client-2"/],
    [{ ...good, exp: now - CLOCK_SKEW_SECONDS - 1 }, /expired at/],
    [{ ...good, exp: undefined }, /no expiry/],
    [{ ...good, exp: String(now + 300) }, /no expiry/],
    [{ ...good, iat: now + CLOCK_SKEW_SECONDS + 60 }, /issued in the future/],
    [{ ...good, iat: undefined }, /no issue time/],
  ];
  for (const [claims, message] of refused) assert.throws(() => check(claims), (error: unknown) => error instanceof NetworkError && message.test(error.message), JSON.stringify(claims));
});

test('the code exchange posts the verifier once, never retried, and maps invalid_grant to exit 4', async () => {
  const calls: { url: string; form: Record<string, string>; options: RequestOptions | undefined }[] = [];
  const http: HttpClient = {
    get: () => assert.fail('no GET expected'),
    stream: () => assert.fail('no stream expected'),
    postForm: async (url, form, options) => {
      calls.push({ url, form, options });
      return respond(400, { error: 'invalid_grant', error_description: 'grant request is invalid' });
    },
  };
  const exchange = { clientId: 'c', code: 'the-code', codeVerifier: 'the-verifier', redirectUri: 'http://localhost:5004/callback.html' };
  const response = await authorizationCodeRequest(http, 'https://x.example/identity/connect/token', exchange);
  assert.throws(() => processAuthorizationCodeResponse(response, 0, EXPECTED), CredentialsRejectedError);
  assert.deepEqual(calls, [
    {
      url: 'https://x.example/identity/connect/token',
      form: { grant_type: 'authorization_code', client_id: 'c', code: 'the-code', code_verifier: 'the-verifier', redirect_uri: 'http://localhost:5004/callback.html' },
      options: { retry: false },
    },
  ]);
});
