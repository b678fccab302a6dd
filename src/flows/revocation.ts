import { NetworkError } from '../errors.js';
import type { HttpClient, HttpResponse } from './http.js';

export interface Revocation {
  token: string;
  tokenTypeHint: 'refresh_token' | 'access_token';
  clientId: string;
  /** Confidential clients authenticate as they do at the token endpoint (client_secret_post). */
  clientSecret?: string | undefined;
}

/** RFC 7009. */
export function revocationRequest(http: HttpClient, revocationEndpoint: string, revocation: Revocation): Promise<HttpResponse> {
  const form: Record<string, string> = {
    token: revocation.token,
    token_type_hint: revocation.tokenTypeHint,
    client_id: revocation.clientId,
  };
  if (revocation.clientSecret) form.client_secret = revocation.clientSecret;
  return http.postForm(revocationEndpoint, form);
}

/** RFC 7009 §2.2: 200 whether or not the token was still valid; anything else is a failure. */
export function processRevocationResponse(response: HttpResponse): void {
  if (response.status !== 200) throw new NetworkError(`the revocation endpoint answered ${response.status}`);
}

export async function revokeToken(http: HttpClient, revocationEndpoint: string, revocation: Revocation): Promise<void> {
  processRevocationResponse(await revocationRequest(http, revocationEndpoint, revocation));
}
