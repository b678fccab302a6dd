import type { Flow } from '../config.js';
import { secretAccount, type SecretStore } from '../store/secret-store.js';
import { parseStoredToken } from './stored-token.js';

export interface SessionStatus {
  loggedIn: boolean;
  /** Epoch milliseconds of the cached access token, if one is stored. */
  tokenExpiresAt: number | undefined;
  hasRefreshToken: boolean;
  hasClientSecret: boolean;
}

/**
 * Logged in means `token` can produce a token without a person: a stored client secret,
 * a refresh token, or an access token that has not expired yet.
 */
export async function sessionStatus(store: SecretStore, owner: string, flow: Flow, now: number): Promise<SessionStatus> {
  const token = parseStoredToken(await store.get(secretAccount(owner, flow, 'access-token')));
  const hasRefreshToken = (await store.get(secretAccount(owner, flow, 'refresh-token'))) !== undefined;
  const hasClientSecret = (await store.get(secretAccount(owner, flow, 'client-secret'))) !== undefined;
  const tokenValid = token !== undefined && token.expires_at > now;
  return {
    loggedIn: flow === 'client-credentials' ? hasClientSecret || tokenValid : hasRefreshToken || tokenValid,
    tokenExpiresAt: token?.expires_at,
    hasRefreshToken,
    hasClientSecret,
  };
}
