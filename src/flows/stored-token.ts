import type { Flow } from '../config.js';
import type { CompleteSettings } from '../settings.js';
import { shortHash } from '../short-hash.js';
import type { TokenSet } from './token-response.js';

/**
 * The cached access token with what it was issued for: a token is reused only for the same
 * resource, tenant (or CONNECT account) and client, whatever flags or environment point the
 * profile elsewhere. Exactly one of tenant_id and account_id is a string, the other null.
 */
export interface StoredToken {
  access_token: string;
  token_type: 'Bearer';
  /** Epoch milliseconds. */
  expires_at: number;
  resource: string;
  tenant_id: string | null;
  account_id: string | null;
  client_id: string;
}

export function toStoredToken(tokens: TokenSet, settings: CompleteSettings): StoredToken {
  return {
    access_token: tokens.accessToken,
    token_type: 'Bearer',
    expires_at: tokens.expiresAt,
    resource: settings.resource,
    tenant_id: settings.tenantId ?? null,
    account_id: settings.accountId ?? null,
    client_id: settings.clientId,
  };
}

/** Anything that is not a token we wrote (damaged, foreign) reads as no token at all. */
export function parseStoredToken(text: string | undefined): StoredToken | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<StoredToken> | null;
    if (
      typeof value?.access_token === 'string' &&
      typeof value.expires_at === 'number' &&
      typeof value.resource === 'string' &&
      // Tokens cached before accounts existed have no account_id: a tenant's.
      (typeof value.tenant_id === 'string') !== (typeof value.account_id === 'string') &&
      typeof value.client_id === 'string'
    ) {
      return { ...value, tenant_id: value.tenant_id ?? null, account_id: value.account_id ?? null, token_type: 'Bearer' } as StoredToken;
    }
  } catch {
    // fall through: unreadable means absent
  }
  return undefined;
}

export function isUsable(token: StoredToken | undefined, settings: CompleteSettings, now: number, minValiditySeconds: number): token is StoredToken {
  return (
    token !== undefined &&
    token.resource === settings.resource &&
    token.tenant_id === (settings.tenantId ?? null) &&
    token.account_id === (settings.accountId ?? null) &&
    token.client_id === settings.clientId &&
    token.expires_at - now >= minValiditySeconds * 1000
  );
}

/**
 * Where a session's entries live. A secret from OCS_CLIENT_SECRET belongs to no profile, so
 * its cached token is filed under resource + tenant + client instead (env-only mode).
 */
export function sessionOwner(settings: CompleteSettings, secretFromEnvironment: boolean): string {
  if (!secretFromEnvironment) return settings.profile;
  const scope = settings.accountId === undefined ? settings.tenantId : `account:${settings.accountId}`;
  return `env-${shortHash(`${settings.resource}\n${scope}\n${settings.clientId}`)}`;
}

/** The lock that serializes everything that renews one session's tokens, across processes. */
export function sessionLockName(owner: string, flow: Flow): string {
  return `${owner}-${flow}`;
}
