import { CredentialsRejectedError, LoginRequiredError } from '../errors.js';
import type { HttpClient, HttpResponse, RequestOptions } from './http.js';
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

export async function refreshGrant(
  http: HttpClient,
  tokenEndpoint: string,
  request: RefreshRequest,
  now: () => number,
  loginHint: string,
  options?: RequestOptions,
): Promise<TokenSet> {
  const requestedAt = now();
  return processRefreshResponse(await refreshRequest(http, tokenEndpoint, request, options), requestedAt, loginHint);
}
