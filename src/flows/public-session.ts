import type { PublicClientFlow } from '../config/config-file.js';
import { ACCOUNT_PERSON_SCOPE_WITHOUT_REFRESH, PERSON_SCOPE_WITHOUT_REFRESH, type CompleteSettings } from '../config/settings.js';
import { secretAccount } from '../store/secret-store.js';
import { bindingFor, storeBoundSecret } from './bound-secret.js';
import type { FlowDeps } from './flow-deps.js';
import { jsonObject, type HttpResponse } from './http.js';
import { sessionLockName, type StoredToken } from './stored-token.js';
import type { Tenant } from './tenant.js';

// What a browser login and a device-code login share: a person signs in for a public client
// (no secret), and what comes back is kept the same way, so `token` renews either alike.

export interface PersonScope {
  scope: string;
  /**
   * What to ask for instead when the server answers invalid_scope: the default without
   * offline_access. Undefined for a configured scope, which is asked for as given.
   */
  fallback: string | undefined;
}

/**
 * A configured scope wins; else the API's scope with openid and offline_access, so the session
 * lasts as long as the server lets refresh tokens live (SPEC "Token life"), as gh, az and
 * gcloud sessions do: `openid ocsapi offline_access` (OCS) or `openid api offline_access` (CONNECT).
 */
export function personScope(settings: CompleteSettings): PersonScope {
  if (settings.scope !== undefined) return { scope: settings.scope, fallback: undefined };
  const short = settings.accountId === undefined ? PERSON_SCOPE_WITHOUT_REFRESH : ACCOUNT_PERSON_SCOPE_WITHOUT_REFRESH;
  return { scope: `${short} offline_access`, fallback: short };
}

/** The server's answer to a scope it will not grant (RFC 6749 §5.2, RFC 8628 §3.2). */
export function refusesScope(response: HttpResponse): boolean {
  return response.status === 400 && jsonObject(response)?.error === 'invalid_scope';
}

/** Said once, on stderr, when the login asks again without offline_access. */
export function scopeRefusedWarning(issuer: string): string {
  return `${issuer} refused offline_access (invalid_scope), so the login asks again without it: this session ends when its access token expires, and then needs a new login`;
}

export interface PersonLogin {
  token: StoredToken;
  /** Undefined for a CONNECT account: it has no call like the tenant one to prove a token with. */
  tenant: Tenant | undefined;
  /** What the tokens say about who signed in: the ID token's claims over the access token's. */
  claims: Record<string, unknown>;
  refreshTokenStored: boolean;
}

/**
 * Keeps a fresh login: its refresh token bound to the issuer, its access token in the cache.
 * Under the lock `token` holds while it refreshes this session: a refresh finishing mid-write
 * would store the old grant's rotated refresh token over this login's.
 */
export async function storePersonSession(
  deps: FlowDeps,
  settings: CompleteSettings,
  flow: PublicClientFlow,
  session: { issuer: string; token: StoredToken; refreshToken: string | undefined; scope: string },
): Promise<void> {
  const { profile } = settings;
  const release = await deps.lock(sessionLockName(profile, flow));
  try {
    if (session.refreshToken) {
      await storeBoundSecret(deps.store, profile, flow, 'refresh-token', session.refreshToken, bindingFor(settings, session.issuer), deps.now());
    } else {
      // A refresh token from an earlier login belongs to another grant: keeping it would let a
      // later refresh bring back the session this login replaced.
      await deps.store.delete(secretAccount(profile, flow, 'refresh-token'));
      if (session.scope.split(' ').includes('offline_access')) {
        deps.warn('no refresh token came back although offline_access was asked for: this login lasts as long as its access token');
      }
    }
    await deps.tokens.write({ owner: profile, flow }, JSON.stringify(session.token));
  } finally {
    await release();
  }
}
