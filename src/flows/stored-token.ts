import type { Flow } from '../config/config-file.js';
import { UsageError } from '../errors.js';
import { type CompleteSettings, environmentSessionName } from '../config/settings.js';
import { isBearerToken } from './bearer-token.js';
import { jwtClaims } from './jwt.js';
import type { TokenSet } from './token-response.js';

/**
 * The cached access token with what it was issued for: a token is reused only for the same
 * resource, tenant (or CONNECT account) and client, whatever flags or environment point the
 * profile elsewhere, and, when the client secret came from the environment, only for that
 * same secret. Exactly one of tenant_id and account_id is a string, the other null.
 */
export interface StoredToken {
  access_token: string;
  token_type: 'Bearer';
  /** Epoch milliseconds. */
  expires_at: number;
  resource: string;
  /** Where the issuer was discovered: a token is not reused once the settings discover elsewhere. */
  discovery_url: string;
  tenant_id: string | null;
  account_id: string | null;
  client_id: string;
  issuer: string;
  /** A salted hash of the client secret it was got with (OCS_CLIENT_SECRET sessions only). */
  credential?: SecretFingerprint | undefined;
}

export interface SecretFingerprint {
  salt: string;
  sha256: string;
}

/**
 * The token as it will be cached. A token for another tenant than the one configured is
 * refused here, before anything is stored or printed: `tid` names the tenant the server
 * issued it for, and a script would otherwise act on the wrong tenant's data.
 */
export function toStoredToken(tokens: TokenSet, settings: CompleteSettings, issuer: string, credential?: SecretFingerprint): StoredToken {
  const tid = jwtClaims(tokens.accessToken)?.tid;
  if (settings.tenantId !== undefined && typeof tid === 'string' && tid.toLowerCase() !== settings.tenantId.toLowerCase()) {
    throw new UsageError(`the server issued a token for tenant ${tid}, not for the configured tenant ${settings.tenantId}; nothing was stored`, {
      hint: 'check --tenant-id (OCS_TENANT_ID, tenant_id): the client or user belongs to another tenant',
    });
  }
  return {
    access_token: tokens.accessToken,
    token_type: 'Bearer',
    expires_at: tokens.expiresAt,
    resource: settings.resource,
    discovery_url: settings.discoveryUrl,
    tenant_id: settings.tenantId ?? null,
    account_id: settings.accountId ?? null,
    client_id: settings.clientId,
    issuer,
    ...(credential ? { credential } : {}),
  };
}

/**
 * Anything that is not a token we wrote (damaged, foreign, older, or one whose access token a
 * bearer token could not be, written by hand or by an older version) reads as no token at all.
 */
export function parseStoredToken(text: string | undefined): StoredToken | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<StoredToken> | null;
    if (
      typeof value?.access_token === 'string' &&
      isBearerToken(value.access_token) &&
      typeof value.expires_at === 'number' &&
      typeof value.resource === 'string' &&
      typeof value.discovery_url === 'string' &&
      (typeof value.tenant_id === 'string') !== (typeof value.account_id === 'string') &&
      typeof value.client_id === 'string' &&
      typeof value.issuer === 'string'
    ) {
      return { ...value, tenant_id: value.tenant_id ?? null, account_id: value.account_id ?? null, token_type: 'Bearer' } as StoredToken;
    }
  } catch {
    // fall through: unreadable means absent
  }
  return undefined;
}

export function isUsable(
  token: StoredToken | undefined,
  settings: CompleteSettings,
  credentialMatches: (fingerprint: SecretFingerprint | undefined) => boolean,
  now: number,
  minValiditySeconds: number,
): token is StoredToken {
  return (
    token !== undefined &&
    token.resource === settings.resource &&
    token.discovery_url === settings.discoveryUrl &&
    token.tenant_id === (settings.tenantId ?? null) &&
    token.account_id === (settings.accountId ?? null) &&
    token.client_id === settings.clientId &&
    credentialMatches(token.credential) &&
    token.expires_at - now >= minValiditySeconds * 1000
  );
}

/**
 * Where a session's entries live. A secret from OCS_CLIENT_SECRET belongs to no profile, so
 * its cached token is filed under resource + tenant + client instead (env-only mode).
 */
export function sessionOwner(settings: CompleteSettings, secretFromEnvironment: boolean): string {
  return secretFromEnvironment ? environmentSessionName(settings) : settings.profile;
}

/** The lock that serializes everything that renews or removes one session's tokens, across processes. */
export function sessionLockName(owner: string, flow: Flow): string {
  return `${owner}-${flow}`;
}
