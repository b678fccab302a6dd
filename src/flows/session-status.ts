import type { Flow } from '../config/config-file.js';
import type { CompleteSettings } from '../config/settings.js';
import type { SecretStore } from '../store/secret-store.js';
import type { TokenCache } from '../store/token-cache.js';
import type { Cache } from '../store/file-cache.js';
import { bindingChanges, bindingFor, type BoundSecret, readBoundSecret } from './bound-secret.js';
import { readCachedMetadata } from './discovery.js';
import { jwtClaims, personName } from './jwt.js';
import { isUsable, parseStoredToken, type StoredToken } from './stored-token.js';

export interface SessionStatus {
  loggedIn: boolean;
  /** Why not: what `token` would run into. Undefined when logged in. */
  reason: string | undefined;
  /** Epoch milliseconds the server refused the stored refresh token or client secret, if it did. */
  refusedAt: number | undefined;
  /** Epoch milliseconds of the cached access token, if one is stored. */
  tokenExpiresAt: number | undefined;
  hasRefreshToken: boolean;
  hasClientSecret: boolean;
  /** Who a browser or device-code login is, from its cached access token. */
  user: string | undefined;
}

export interface SessionQuery {
  owner: string;
  /**
   * Where `token` caches this session's access token, when not under `owner`: a profile whose
   * secret comes from OCS_CLIENT_SECRET has its token cached for that secret (env-…).
   */
  tokenOwner?: string | undefined;
  flow: Flow;
  /** What `token` would use for this session, or why its settings do not resolve. */
  settings: CompleteSettings | { unresolved: string };
  /** OCS_CLIENT_SECRET would give a client-credentials session its secret. */
  environmentSecret: boolean;
}

export interface SessionStatusDeps {
  store: SecretStore;
  tokens: TokenCache;
  /** Discovery documents: a cached one tells whether the issuer changed, without a request. */
  cache: Cache;
  now(): number;
}

/**
 * Logged in means `token` would produce a token without a new login (SPEC `status`): a
 * cached access token for these settings that has not expired, or what renews one: a secret
 * in the environment, or a stored client secret or refresh token that is bound to these
 * settings and that the server has not refused. Nothing is sent anywhere.
 */
export async function sessionStatus(deps: SessionStatusDeps, query: SessionQuery): Promise<SessionStatus> {
  const { owner, flow } = query;
  const token = parseStoredToken(await deps.tokens.read({ owner: query.tokenOwner ?? owner, flow }));
  const refreshToken = await readBoundSecret(deps.store, owner, flow, 'refresh-token');
  const clientSecret = await readBoundSecret(deps.store, owner, flow, 'client-secret');
  const renewal = flow === 'client-credentials' ? clientSecret : refreshToken;
  const reason = await whyNotLoggedIn(deps, query, token, renewal);
  return {
    loggedIn: reason === undefined,
    reason,
    refusedAt: reason === undefined ? undefined : renewal?.refused_at,
    tokenExpiresAt: token?.expires_at,
    hasRefreshToken: refreshToken !== undefined,
    hasClientSecret: clientSecret !== undefined,
    user: flow === 'client-credentials' || !token ? undefined : personName(jwtClaims(token.access_token) ?? {}),
  };
}

async function whyNotLoggedIn(deps: SessionStatusDeps, query: SessionQuery, token: StoredToken | undefined, renewal: BoundSecret | undefined): Promise<string | undefined> {
  if ('unresolved' in query.settings) return query.settings.unresolved;
  const settings = query.settings;
  // The credential check of an OCS_CLIENT_SECRET token needs the secret's hash: a changed secret is asked of the server anyway.
  if (token && isUsable(token, settings, () => true, deps.now(), 0)) return undefined;
  if (query.flow === 'client-credentials' && query.environmentSecret) return undefined;
  if (!renewal) {
    if (query.flow === 'client-credentials') return 'no client secret stored';
    return token ? 'the access token has expired and no refresh token is stored' : 'no login stored';
  }
  const issuer = (await readCachedMetadata(deps, settings.discoveryUrl))?.issuer ?? null;
  const changes = bindingChanges(renewal.binding, bindingFor(settings, issuer));
  if (changes.length > 0) return `settings changed since the login: ${changes.join('; ')}`;
  if (renewal.refused_at !== undefined) return `the server refused the ${query.flow === 'client-credentials' ? 'stored client secret' : 'refresh token'}`;
  return undefined;
}
