import type { HttpClient, HttpResponse } from './http.js';
import { processTokenResponse, type TokenSet } from './token-response.js';

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
  /** Sent only when configured: the OCS samples send none. */
  scope?: string | undefined;
}

/** RFC 6749 §4.4 with client_secret_post, the way OCS expects it. */
export function clientCredentialsRequest(http: HttpClient, tokenEndpoint: string, credentials: ClientCredentials): Promise<HttpResponse> {
  const form: Record<string, string> = {
    grant_type: 'client_credentials',
    client_id: credentials.clientId,
    client_secret: credentials.clientSecret,
  };
  if (credentials.scope) form.scope = credentials.scope;
  return http.postForm(tokenEndpoint, form);
}

export async function clientCredentialsGrant(
  http: HttpClient,
  tokenEndpoint: string,
  credentials: ClientCredentials,
  now: () => number,
): Promise<TokenSet> {
  // The lifetime counts from before the request, so the token is never thought fresher than it is.
  const requestedAt = now();
  return processTokenResponse(await clientCredentialsRequest(http, tokenEndpoint, credentials), requestedAt);
}
