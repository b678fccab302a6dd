import type { PublicClientFlow } from '../config/config-file.js';
import { CredentialsRejectedError, InterruptedError, interruptSignal, LoginRequiredError, NotWritableError, UntrustedPathError, UsageError } from '../errors.js';
import { ACCOUNT_API_SCOPE, type CompleteSettings, DEFAULT_PROFILE } from '../config/settings.js';
import type { CachedSession } from '../store/token-cache.js';
import type { Release } from '../store/lock.js';
import { bindingFor, markRefused, readBoundSecret, requireBinding, storeBoundSecret } from './bound-secret.js';
import { clientCredentialsGrant } from './client-credentials.js';
import { withProviderMetadata } from './discovery.js';
import { personScope } from './public-session.js';
import type { FlowDeps } from './flow-deps.js';
import { refreshGrant } from './refresh.js';
import { fetchTenant, type Tenant } from './tenant.js';
import type { TokenSet } from './token-response.js';
import { cachedAccessToken, cachedSession, type TokenRequest } from './cached-token.js';
import { parseStoredToken, sessionLockName, type StoredToken, toStoredToken } from './stored-token.js';

// A rotated refresh token on its way back must be stored even after Ctrl-C: the server has
// already retired the old one. This long, at most, for the answer.
const REFRESH_GRACE_AFTER_INTERRUPT_MS = 5_000;

/**
 * A valid access token for the settings' flow: the cached one if fresh enough, else a new
 * one (client credentials: the grant again; PKCE and device code: the refresh token). Parallel processes
 * for the same session make one request between them: the lock is taken only when the
 * cache falls short, and the cache is read again once it is held, since whoever held it
 * before has most likely just stored a fresh token.
 */
export async function getAccessToken(deps: FlowDeps, request: TokenRequest): Promise<StoredToken> {
  const { settings, environmentSecret } = request;
  const session = cachedSession(request);
  // Under --verbose, a run with no HTTP trace would otherwise leave open where its token came from.
  const fromCache = (cached: StoredToken) => {
    deps.trace?.(`token from the cache (${session.flow}, ${session.owner}): ${Math.round((cached.expires_at - deps.now()) / 1000)} s left, no request made`);
    return cached;
  };
  if (!request.force) {
    const cached = await cachedAccessToken(deps, request);
    if (cached) return fromCache(cached);
  }
  const release = await lockUnlessUnwritable(deps, sessionLockName(session.owner, settings.flow), environmentSecret);
  try {
    // Without the lock, nobody else can have cached one meanwhile.
    if (!request.force && release) {
      const cached = await cachedAccessToken(deps, request);
      if (cached) return fromCache(cached);
    }
    const token =
      settings.flow === 'client-credentials'
        ? await clientCredentialsToken(deps, settings, environmentSecret)
        : await refreshPersonSession(deps, settings, settings.flow, request.force);
    if (release) await cacheToken(deps, session, token);
    warnIfNeverFreshEnough(deps, token, request.minValiditySeconds);
    if (deps.interrupted?.aborted) {
      throw new InterruptedError('interrupted; the renewed login was stored first', { signal: interruptSignal(deps.interrupted) });
    }
    return token;
  } finally {
    await release?.();
  }
}

/**
 * The session's lock; none where the config folder cannot be written and the session needs
 * nothing kept there: a secret from the environment (a locked-down container user with no
 * home) still gets its token, with nothing cached, said once. Any other session keeps its
 * secrets and rotated tokens there, so the folder's error stands.
 */
async function lockUnlessUnwritable(deps: FlowDeps, lockName: string, environmentSecret: string | undefined): Promise<Release | undefined> {
  try {
    return await deps.lock(lockName);
  } catch (error) {
    if (!(error instanceof NotWritableError) || environmentSecret === undefined) throw error;
    deps.warn(`${error.message}; the token is not cached, so each run asks the server for a new one`);
    return undefined;
  }
}

/**
 * A token whose whole life is shorter than --min-validity is never fresh enough: every call
 * would get a new one, silently. Said each time it happens, so a script's log shows why.
 */
function warnIfNeverFreshEnough(deps: FlowDeps, token: StoredToken, minValiditySeconds: number): void {
  const life = Math.round((token.expires_at - deps.now()) / 1000);
  if (minValiditySeconds >= life) {
    deps.warn(`--min-validity ${minValiditySeconds} s is more than the token's whole life (${life} s): every call gets a new token; use less than ${life}`);
  }
}

/**
 * --force renews with the refresh token; a login without offline_access has none, although
 * its access token may still be valid. Say what --force needs, rather than that the login
 * has ended.
 */
async function requireRefreshTokenToForce(deps: FlowDeps, settings: CompleteSettings, flow: PublicClientFlow): Promise<void> {
  const cached = parseStoredToken(await deps.tokens.read({ owner: settings.profile, flow }));
  if (!cached || cached.expires_at <= deps.now()) return;
  throw new UsageError(`--force needs a refresh token to get a new access token, and profile "${settings.profile}" has none`, {
    hint: `${refreshTokenHint(settings)}; without --force, the cached token is served while it is valid`,
  });
}

/** A configured scope without offline_access is what kept the refresh token away; else the server declined it. */
function refreshTokenHint(settings: CompleteSettings): string {
  const { scope } = personScope(settings);
  if (!scope.split(' ').includes('offline_access')) return `log in with offline_access to get one: \`${loginCommand(settings)} --scope "${scope} offline_access"\``;
  return `log in again to get one: \`${loginCommand(settings)}\` asks for offline_access (a server that refuses it gives none)`;
}

/**
 * With a stored secret (`secret` undefined), it is sent only if it was stored for the issuer,
 * client and tenant in force.
 */
async function clientCredentialsToken(deps: FlowDeps, settings: CompleteSettings, secret: string | undefined): Promise<StoredToken> {
  // Kept with the token of a secret from the environment: a changed OCS_CLIENT_SECRET is then another credential.
  const credential = secret === undefined ? undefined : await (await import('./secret-fingerprint.js')).secretFingerprint(secret);
  const stored = secret === undefined ? await readBoundSecret(deps.store, settings.profile, 'client-credentials', 'client-secret') : undefined;
  const what = {
    profile: settings.profile,
    missing: `no client secret stored for profile "${settings.profile}"`,
    hint: `run \`${loginCommand(settings)}\`, or set OCS_CLIENT_SECRET`,
  };
  if (secret === undefined) requireBinding(stored, bindingFor(settings, null), what);
  return withProviderMetadata(deps, settings.discoveryUrl, async (metadata) => {
    const binding = bindingFor(settings, metadata.issuer);
    const clientSecret = secret ?? requireBinding(stored, binding, what);
    const tokens = await clientCredentialsGrant(await deps.http(), metadata.token_endpoint, { clientId: settings.clientId, clientSecret, scope: clientCredentialsScope(settings) }, deps.now).catch(async (error: unknown) => {
      // Refused (a deleted or expired secret): `status` must say so, as for a refresh token.
      if (error instanceof CredentialsRejectedError && stored) await markRefused(deps.store, settings.profile, 'client-credentials', 'client-secret', stored, deps.now()).catch(() => undefined);
      throw error;
    });
    const token = toStoredToken(tokens, settings, metadata.issuer, credential);
    // A secret imported by `configure` is bound to its resource only until the issuer has
    // accepted it; one the server refused before and has taken again is no longer refused.
    if (stored && (stored.binding.issuer === null || stored.refused_at !== undefined)) {
      await storeBoundSecret(deps.store, settings.profile, 'client-credentials', 'client-secret', clientSecret, binding, deps.now());
    }
    return token;
  });
}

/**
 * A person's session (a browser or a device-code login, both public clients) lives on its
 * refresh token. Refresh tokens rotate: the new one is stored before anything else, even
 * before the rest of the answer is judged, because the old one is now dead and losing the new
 * one would log the person out. For the same reason Ctrl-C does not cut the request off: its
 * answer is awaited a few seconds more, and stored.
 */
async function refreshPersonSession(deps: FlowDeps, settings: CompleteSettings, flow: PublicClientFlow, force: boolean): Promise<StoredToken> {
  const record = await readBoundSecret(deps.store, settings.profile, flow, 'refresh-token');
  if (!record && force) await requireRefreshTokenToForce(deps, settings, flow);
  const what = {
    profile: settings.profile,
    missing: `no refresh token stored for profile "${settings.profile}": the ${flow === 'pkce' ? 'browser' : 'device-code'} login has ended`,
    hint: `run \`${loginCommand(settings)}\``,
  };
  requireBinding(record, bindingFor(settings, null), what);
  return withProviderMetadata(deps, settings.discoveryUrl, async (metadata) => {
    const binding = bindingFor(settings, metadata.issuer);
    const refreshToken = requireBinding(record, binding, what);
    const keepRotated = (rotated: string) => storeBoundSecret(deps.store, settings.profile, flow, 'refresh-token', rotated, binding, deps.now());
    const tokens = await refreshGrant(await deps.http(), metadata.token_endpoint, { clientId: settings.clientId, refreshToken }, deps.now, loginCommand(settings), keepRotated, {
      interruptGraceMs: REFRESH_GRACE_AFTER_INTERRUPT_MS,
    }).catch(async (error: unknown) => {
      // Refused: `status` must say the session has ended, not that it is logged in.
      // Best effort: a store that fails now must not hide the refusal behind its own error.
      if (error instanceof LoginRequiredError && record) await markRefused(deps.store, settings.profile, flow, 'refresh-token', record, deps.now()).catch(() => undefined);
      throw error;
    });
    return toStoredToken(tokens, settings, metadata.issuer);
  });
}

export interface Login {
  token: StoredToken;
  /** Undefined for a CONNECT account: it has no call like the tenant one to prove a token with. */
  tenant: Tenant | undefined;
}

/**
 * Proves a client secret by getting a token with it (and, for a tenant, asking the API about
 * the tenant), then keeps both, bound to the issuer that accepted it. Nothing is stored when
 * the server says no.
 */
export async function loginClientCredentials(deps: FlowDeps, settings: CompleteSettings, clientSecret: string): Promise<Login> {
  const { token, issuer } = await withProviderMetadata(deps, settings.discoveryUrl, async (metadata) => {
    const tokens: TokenSet = await clientCredentialsGrant(
      await deps.http(),
      metadata.token_endpoint,
      { clientId: settings.clientId, clientSecret, scope: clientCredentialsScope(settings) },
      deps.now,
    );
    return { token: toStoredToken(tokens, settings, metadata.issuer), issuer: metadata.issuer };
  });
  const tenant = settings.tenantId === undefined ? undefined : await fetchTenant(await deps.http(), { ...settings, tenantId: settings.tenantId }, token.access_token);
  const release = await deps.lock(sessionLockName(settings.profile, 'client-credentials'));
  try {
    await storeBoundSecret(deps.store, settings.profile, 'client-credentials', 'client-secret', clientSecret, bindingFor(settings, issuer), deps.now());
    await cacheToken(deps, { owner: settings.profile, flow: 'client-credentials' }, token);
  } finally {
    await release();
  }
  return { token, tenant };
}

/** A configured scope wins; CONNECT wants `api` (its samples send it), OCS none. */
export function clientCredentialsScope(settings: CompleteSettings): string | undefined {
  return settings.scope ?? (settings.accountId === undefined ? undefined : ACCOUNT_API_SCOPE);
}

// The token is already in hand: failing to cache it costs a request next time, not this answer.
async function cacheToken(deps: FlowDeps, session: CachedSession, token: StoredToken): Promise<void> {
  try {
    await deps.tokens.write(session, JSON.stringify(token));
  } catch (error) {
    // A folder others could write is refused outright: the next run would read what they put there.
    if (!(error instanceof UsageError) || error instanceof UntrustedPathError) throw error;
    deps.warn(`could not cache the access token: ${error.message}`);
  }
}

export function loginCommand(settings: CompleteSettings): string {
  const profile = settings.profile === DEFAULT_PROFILE ? '' : ` --profile ${settings.profile}`;
  return `ocs-auth login --${settings.flow}${profile}`;
}
