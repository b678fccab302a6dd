import { createHash, randomBytes } from 'node:crypto';
import { NetworkError } from '../errors.js';
import { jsonObject, type HttpClient, type HttpResponse } from './http.js';
import { jwtClaims } from './jwt.js';
import { processTokenResponse, type TokenSet } from './token-response.js';

// Authorization code + PKCE (RFC 6749 §4.1, RFC 7636, OpenID Connect Core §3.1) the way OCS
// expects it from a public client: no secret, S256 only, the tenant named in acr_values.

export interface Pkce {
  /** Secret: stays in this process until the code exchange. */
  verifier: string;
  challenge: string;
}

/** A 32-byte random verifier (43 base64url characters, RFC 7636 §4.1) and its S256 challenge. */
export function createPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: codeChallenge(verifier) };
}

/** BASE64URL(SHA256(ASCII(verifier))), RFC 7636 §4.2. */
export function codeChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** For `state` and `nonce`: unguessable, fresh for every login, URL-safe as it is. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  scope: string;
  codeChallenge: string;
  state: string;
  nonce: string;
  /** OCS names the tenant in acr_values; a CONNECT account sends none (none is documented). */
  tenantId: string | undefined;
}

/**
 * The URL the browser is sent to. Spaces become %20 rather than "+": both decode to a space
 * on any server, while "+" is a space only to form decoders.
 */
export function authorizationUrl(authorizationEndpoint: string, request: AuthorizationRequest): string {
  const url = new URL(authorizationEndpoint);
  const parameters: [string, string][] = [
    ['response_type', 'code'],
    ['client_id', request.clientId],
    ['redirect_uri', request.redirectUri],
    ['scope', request.scope],
    ['code_challenge', request.codeChallenge],
    ['code_challenge_method', 'S256'],
    ['state', request.state],
    ['nonce', request.nonce],
  ];
  if (request.tenantId !== undefined) parameters.push(['acr_values', `tenant:${request.tenantId}`]);
  for (const [name, value] of parameters) url.searchParams.set(name, value);
  // URLSearchParams writes a literal "+" as %2B, so every "+" left is an encoded space.
  url.search = url.searchParams.toString().replace(/\+/g, '%20');
  return url.href;
}

export interface CodeExchange {
  clientId: string;
  code: string;
  codeVerifier: string;
  redirectUri: string;
}

/** Never retried: replaying a code makes the server revoke everything issued for it. */
export function authorizationCodeRequest(http: HttpClient, tokenEndpoint: string, exchange: CodeExchange): Promise<HttpResponse> {
  return http.postForm(
    tokenEndpoint,
    {
      grant_type: 'authorization_code',
      client_id: exchange.clientId,
      code: exchange.code,
      code_verifier: exchange.codeVerifier,
      redirect_uri: exchange.redirectUri,
    },
    { retry: false },
  );
}

export interface CodeTokens extends TokenSet {
  /** Claims of the ID token, when one came back (scope openid). */
  idTokenClaims?: Record<string, unknown>;
}

/** What an ID token must say to belong to this login. */
export interface IdTokenExpectations {
  nonce: string;
  issuer: string;
  clientId: string;
}

// How far this machine's clock may be off the server's. Generous, as laptop clocks drift and
// a login refused for it cannot be fixed by the person; five minutes is Kerberos' choice too.
export const CLOCK_SKEW_SECONDS = 300;

/**
 * Validates the exchange's answer. The ID token came straight from the token endpoint of the
 * discovered issuer over the connection we opened, so its signature need not be checked
 * (OpenID Connect Core §3.1.3.7, item 6); its claims must still be about this login, for this
 * client, and current (items 2-4, 9, 10 and 11).
 *
 * Hand-written rather than panva's oauth4webapi, whose processAuthorizationCodeResponse makes
 * the same checks: it runs on Node 20 but wants a WHATWG Response from its own fetch, with its
 * own error codes, while every flow here goes through one HttpClient (got: retries, proxy,
 * extra CAs, redacted traces) and maps failures to the SPEC's exit codes. The checks are these
 * few lines, each tested against crafted ID tokens (test/flows/pkce.test.ts).
 */
export function processAuthorizationCodeResponse(response: HttpResponse, requestedAt: number, expected: IdTokenExpectations): CodeTokens {
  const tokens: CodeTokens = processTokenResponse(response, requestedAt);
  const idToken = jsonObject(response)?.id_token;
  if (idToken !== undefined) tokens.idTokenClaims = checkedIdTokenClaims(idToken, expected, requestedAt);
  return tokens;
}

/**
 * The claims of an ID token from the token endpoint, checked as above: from this issuer, for
 * this client, current, and (when the login sent one) with its nonce. The device flow has no
 * nonce (RFC 8628 sends none), so it passes `nonce: undefined`, never leaves it out by mistake.
 */
export function checkedIdTokenClaims(
  idToken: unknown,
  expected: Omit<IdTokenExpectations, 'nonce'> & { nonce: string | undefined },
  requestedAt: number,
): Record<string, unknown> {
  const claims = typeof idToken === 'string' ? jwtClaims(idToken) : undefined;
  if (!claims) throw new NetworkError('the token endpoint answered an ID token that is not a JWT');
  const refuse = (why: string) =>
    new NetworkError(`the ID token ${why}; refusing it`, { hint: 'start the login again; if it happens again, the identity provider is not behaving' });
  if (expected.nonce !== undefined && claims.nonce !== expected.nonce) throw refuse('does not carry the nonce of this login');
  if (claims.iss !== expected.issuer) throw refuse(`was issued by "${String(claims.iss)}", not by ${expected.issuer}`);
  const audience = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audience.includes(expected.clientId)) throw refuse(`is meant for ${JSON.stringify(claims.aud)}, not for client ${expected.clientId}`);
  if (claims.azp !== undefined && claims.azp !== expected.clientId) throw refuse(`was requested by client ${JSON.stringify(claims.azp)}, not ${expected.clientId}`);
  const nowSeconds = requestedAt / 1000;
  if (typeof claims.exp !== 'number' || claims.exp + CLOCK_SKEW_SECONDS <= nowSeconds) {
    throw refuse(typeof claims.exp === 'number' ? `expired at ${new Date(claims.exp * 1000).toISOString()}` : 'has no expiry (exp)');
  }
  if (typeof claims.iat !== 'number' || claims.iat - CLOCK_SKEW_SECONDS > nowSeconds) {
    throw refuse(typeof claims.iat === 'number' ? `claims to be issued in the future (${new Date(claims.iat * 1000).toISOString()}); check this machine's clock` : 'has no issue time (iat)');
  }
  return claims;
}
