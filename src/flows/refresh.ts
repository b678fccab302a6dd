import { CredentialsRejectedError, LoginRequiredError } from '../errors.js';
import { jsonObject, type HttpClient, type HttpResponse, type RequestOptions } from './http.js';
import { processTokenResponse, type TokenSet } from './token-response.js';

export interface RefreshRequest {
  clientId: string;
  refreshToken: string;
}

/** RFC 6749 §6 for a public client: no secret, the client id in the body. */
export function refreshRequest(http: HttpClient, tokenEndpoint: string, request: RefreshRequest, options?: RequestOptions): Promise<HttpResponse> {
  return http.postForm(
    tokenEndpoint,
    {
      grant_type: 'refresh_token',
      client_id: request.clientId,
      refresh_token: request.refreshToken,
    },
    options,
  );
}

/**
 * A refused refresh (expired, revoked, already rotated) is not a wrong password: it means
 * the person must log in again, which is exit 3, not 4.
 */
export function processRefreshResponse(response: HttpResponse, requestedAt: number, loginHint: string): TokenSet {
  try {
    return processTokenResponse(response, requestedAt);
  } catch (error) {
    if (error instanceof CredentialsRejectedError) {
      throw new LoginRequiredError(`the refresh token was refused (${error.message.replace(/^credentials rejected: /, '')}); log in again`, {
        hint: `run \`${loginHint}\``,
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * The refresh token a successful answer rotated to, taken before anything else in the answer
 * is judged: once the server has answered, the old one is dead, so the new one must be kept
 * even when the rest of the answer cannot be used (a token type other than Bearer, say).
 */
export function rotatedRefreshToken(response: HttpResponse): string | undefined {
  if (response.status !== 200) return undefined;
  const refreshToken = jsonObject(response)?.refresh_token;
  return typeof refreshToken === 'string' && refreshToken !== '' ? refreshToken : undefined;
}

/** Refreshes, handing `keepRotated` the rotated refresh token before the answer is processed. */
export async function refreshGrant(
  http: HttpClient,
  tokenEndpoint: string,
  request: RefreshRequest,
  now: () => number,
  loginHint: string,
  keepRotated: (refreshToken: string) => Promise<void>,
  options?: RequestOptions,
): Promise<TokenSet> {
  const requestedAt = now();
  const response = await refreshRequest(http, tokenEndpoint, request, options);
  const rotated = rotatedRefreshToken(response);
  if (rotated !== undefined) await keepRotated(rotated);
  return processRefreshResponse(response, requestedAt, loginHint);
}
