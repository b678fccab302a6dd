import { CredentialsRejectedError, NetworkError } from '../errors.js';
import { jsonObject, type HttpClient, type HttpResponse } from './http.js';

// OpenID Connect Core §5.3: what CONNECT offers to check a user's token with, where the
// tenant call of OCS does not exist. Its answer comes from the issuer, so it vouches for the token.

export function userinfoRequest(http: HttpClient, userinfoEndpoint: string, accessToken: string): Promise<HttpResponse> {
  return http.get(userinfoEndpoint, { headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' } });
}

/** The claims, whose `sub` must be the token's own (Core §5.3.2) when the token names one. */
export function processUserinfoResponse(response: HttpResponse, expectedSubject: string | undefined): Record<string, unknown> {
  if (response.status === 401 || response.status === 403) {
    throw new CredentialsRejectedError(`the userinfo endpoint rejected the token (${response.status})`);
  }
  const claims = jsonObject(response);
  if (response.status !== 200 || !claims || typeof claims.sub !== 'string') {
    throw new NetworkError(`the userinfo endpoint answered ${response.status}${claims ? ' without a subject' : ' without JSON'}`);
  }
  if (expectedSubject !== undefined && claims.sub !== expectedSubject) {
    throw new NetworkError('the userinfo endpoint answered for another subject than the token names; refusing it');
  }
  return claims;
}

export async function fetchUserinfo(http: HttpClient, userinfoEndpoint: string, accessToken: string, expectedSubject: string | undefined): Promise<Record<string, unknown>> {
  return processUserinfoResponse(await userinfoRequest(http, userinfoEndpoint, accessToken), expectedSubject);
}
