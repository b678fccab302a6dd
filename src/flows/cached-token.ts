import type { CompleteSettings } from '../config/settings.js';
import type { CachedSession, TokenCache } from '../store/token-cache.js';
import { isUsable, parseStoredToken, type SecretFingerprint, sessionOwner, type StoredToken } from './stored-token.js';

/** SPEC: a cached token is reused while it has at least this long left, unless --min-validity says otherwise. */
export const DEFAULT_MIN_VALIDITY_SECONDS = 300;

export interface TokenRequest {
  settings: CompleteSettings;
  /** Reuse a cached token only if it has at least this long left. */
  minValiditySeconds: number;
  /** Ignore the cache. */
  force: boolean;
  /** OCS_CLIENT_SECRET: wins over a stored secret, and works with no stored state at all. */
  environmentSecret: string | undefined;
}

/** What `token` (and exec, api, whoami) asks for, from its options and the environment. */
export function tokenRequest(options: { minValidity: number; force?: boolean | undefined }, settings: CompleteSettings, env: NodeJS.ProcessEnv): TokenRequest {
  return {
    settings,
    minValiditySeconds: options.minValidity,
    force: Boolean(options.force),
    environmentSecret: settings.flow === 'client-credentials' ? env.OCS_CLIENT_SECRET || undefined : undefined,
  };
}

/** Where the request's access token is cached: per profile, or per resource + tenant + client for an env-provided secret. */
export function cachedSession({ settings, environmentSecret }: TokenRequest): CachedSession {
  const owner = settings.flow === 'client-credentials' ? sessionOwner(settings, environmentSecret !== undefined) : settings.profile;
  return { owner, flow: settings.flow };
}

/**
 * The cached access token for the request, if it is for these settings and fresh enough;
 * never a request to a server. A changed OCS_CLIENT_SECRET is another credential: its token
 * is not the old one's.
 */
export async function cachedAccessToken(deps: { tokens: Pick<TokenCache, 'read'>; now(): number }, request: TokenRequest): Promise<StoredToken | undefined> {
  const { settings, environmentSecret } = request;
  const cached = parseStoredToken(await deps.tokens.read(cachedSession(request)));
  if (cached === undefined) return undefined;
  const fingerprints = environmentSecret === undefined ? undefined : await import('./secret-fingerprint.js');
  const credentialMatches = (fingerprint: SecretFingerprint | undefined) =>
    environmentSecret === undefined ? fingerprint === undefined : fingerprints!.matchesFingerprint(fingerprint, environmentSecret);
  return isUsable(cached, settings, credentialMatches, deps.now(), request.minValiditySeconds) ? cached : undefined;
}
