import { CredentialsRejectedError, EndpointUnreachableError, NetworkError, UsageError } from '../errors.js';
import { isBearerToken } from './bearer-token.js';
import { jsonObject, type HttpResponse, redirectNotFollowed, unavailableHint } from './http.js';
import { jwtClaims } from './jwt.js';

export interface TokenSet {
  accessToken: string;
  tokenType: 'Bearer';
  /** Epoch milliseconds. */
  expiresAt: number;
  refreshToken?: string;
  scope?: string;
}

// RFC 6749 §5.2 codes that mean "these credentials are no good", as opposed to "the request
// was malformed" (our configuration) or "the server is in trouble".
const REJECTED = new Set(['invalid_client', 'invalid_grant', 'unauthorized_client', 'access_denied']);
const MISCONFIGURED = new Set(['invalid_request', 'invalid_scope', 'unsupported_grant_type', 'invalid_target']);

// OCS issues 60 to 3600 s. A claimed lifetime beyond a year is a broken answer, and one
// large enough would overflow the expiry to Infinity: a token cached forever.
const MAX_LIFETIME_SECONDS = 366 * 24 * 3600;
// For an answer without expires_in (RFC 6749 makes it only RECOMMENDED) whose access token
// is no JWT with an exp: ten minutes. Longer than the default --min-validity (300 s), so the
// token is reused at all; far shorter than the usual hour, so a token that dies early costs
// scripts few failures. Guessing long would hand out dead tokens; guessing short only costs
// requests.
export const ASSUMED_LIFETIME_SECONDS = 600;

/** Turns a token endpoint answer into a TokenSet, or into the typed error it stands for. */
export function processTokenResponse(response: HttpResponse, now: number): TokenSet {
  const body = jsonObject(response);
  if (response.status !== 200) throw tokenError(response, body);
  if (!body) throw new NetworkError(`the token endpoint answered ${response.status} with something that is not JSON`);

  const { access_token: accessToken, token_type: tokenType, expires_in: expiresIn, refresh_token: refreshToken, scope } = body;
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new NetworkError('the token endpoint answered without an access_token');
  }
  // The token itself is left out of the message: it is what may carry the escape sequence.
  if (!isBearerToken(accessToken)) {
    throw new NetworkError('the token endpoint answered an access_token with characters a bearer token cannot hold (RFC 6750); it was not used');
  }
  if (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer') {
    throw new NetworkError(`the token endpoint answered token_type "${String(tokenType)}", expected Bearer`);
  }
  const lifetime = expiresIn === undefined ? lifetimeFromJwt(accessToken, now) : Number(expiresIn);
  // Under a second, the expiry would be now or earlier: no token to cache or print.
  if (!Number.isFinite(lifetime) || lifetime < 1 || lifetime > MAX_LIFETIME_SECONDS || typeof expiresIn === 'boolean') {
    throw new NetworkError(`the token endpoint answered an unusable expires_in (${JSON.stringify(expiresIn)})`);
  }
  const tokens: TokenSet = { accessToken, tokenType: 'Bearer', expiresAt: now + lifetime * 1000 };
  if (typeof refreshToken === 'string' && refreshToken !== '') tokens.refreshToken = refreshToken;
  if (typeof scope === 'string') tokens.scope = scope;
  return tokens;
}

/** What is left of a JWT access token's life by its exp claim, else the assumed short life. */
function lifetimeFromJwt(accessToken: string, now: number): number {
  const exp = jwtClaims(accessToken)?.exp;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return ASSUMED_LIFETIME_SECONDS;
  // An exp already past (or this close) says the clocks disagree: the assumed life is safer.
  const left = Math.floor(exp - now / 1000);
  return left > 0 ? Math.min(left, MAX_LIFETIME_SECONDS) : ASSUMED_LIFETIME_SECONDS;
}

function tokenError(response: HttpResponse, body: Record<string, unknown> | undefined): Error {
  const code = typeof body?.error === 'string' ? body.error : undefined;
  const description = typeof body?.error_description === 'string' ? `: ${body.error_description}` : '';
  if (response.status >= 500 || response.status === 429) {
    return new NetworkError(`the token endpoint failed with ${response.status}${code ? ` ${code}` : ''}${description}`, { hint: unavailableHint(response) });
  }
  if (code && REJECTED.has(code)) return new CredentialsRejectedError(`credentials rejected: ${code}${description}`);
  if (code && MISCONFIGURED.has(code)) {
    return new UsageError(`the token endpoint refused the request: ${code}${description}`, {
      hint: 'check the client id, flow and scope of this profile',
    });
  }
  if (response.status === 401 || response.status === 403) {
    return new CredentialsRejectedError(`credentials rejected (${response.status})`);
  }
  if (response.status === 404) return new EndpointUnreachableError(`the token endpoint ${response.url} answered 404`);
  const notFollowed = redirectNotFollowed(response);
  if (notFollowed) {
    return new NetworkError(`the token endpoint answered ${response.status}${notFollowed}`, {
      hint: 'credentials go only to the token endpoint that discovery names: if the identity server has moved, check the resource or discovery URL',
    });
  }
  return new NetworkError(`the token endpoint answered ${response.status}${code ? ` ${code}` : ''}${description}`);
}
