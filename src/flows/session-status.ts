import type { Flow } from '../config/config-file.js';
import type { SecretStore } from '../store/secret-store.js';
import type { TokenCache } from '../store/token-cache.js';
import { hasStoredSecret } from './bound-secret.js';
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
export async function sessionStatus(store: SecretStore, tokens: TokenCache, owner: string, flow: Flow, now: number): Promise<SessionStatus> {
  const token = parseStoredToken(await tokens.read({ owner, flow }));
  const hasRefreshToken = await hasStoredSecret(store, owner, flow, 'refresh-token');
  const hasClientSecret = await hasStoredSecret(store, owner, flow, 'client-secret');
  const tokenValid = token !== undefined && token.expires_at > now;
  return {
    loggedIn: flow === 'client-credentials' ? hasClientSecret || tokenValid : hasRefreshToken || tokenValid,
    tokenExpiresAt: token?.expires_at,
    hasRefreshToken,
    hasClientSecret,
  };
}
