import { LoginRequiredError, UsageError } from '../errors.js';
import { ACCOUNT_API_SCOPE, DEFAULT_PROFILE, type CompleteSettings } from '../settings.js';
import { secretAccount } from '../store/secret-store.js';
import { clientCredentialsGrant } from './client-credentials.js';
import { withProviderMetadata } from './discovery.js';
import type { FlowDeps } from './flow-deps.js';
import { refreshGrant } from './refresh.js';
import { fetchTenant, type Tenant } from './tenant.js';
import type { TokenSet } from './token-response.js';
import { isUsable, parseStoredToken, sessionLockName, sessionOwner, toStoredToken, type StoredToken } from './stored-token.js';

export interface TokenRequest {
  settings: CompleteSettings;
  /** Reuse a cached token only if it has at least this long left (SPEC default 300). */
  minValiditySeconds: number;
  /** Ignore the cache. */
  force: boolean;
  /** OCS_CLIENT_SECRET: wins over a stored secret, and works with no stored state at all. */
  environmentSecret: string | undefined;
}

/**
 * A valid access token for the settings' flow: the cached one if fresh enough, else a new
 * one (client credentials: the grant again; PKCE: the refresh token). Parallel processes
 * for the same session make one request between them: the lock is taken only when the
 * cache falls short, and the cache is read again once it is held, since whoever held it
 * before has most likely just stored a fresh token.
 */
export async function getAccessToken(deps: FlowDeps, request: TokenRequest): Promise<StoredToken> {
  const { settings } = request;
  const owner = settings.flow === 'client-credentials' ? sessionOwner(settings, request.environmentSecret !== undefined) : settings.profile;
  const tokenAccount = secretAccount(owner, settings.flow, 'access-token');
  const cachedToken = async () => {
    const cached = parseStoredToken(await deps.store.get(tokenAccount));
    return isUsable(cached, settings, deps.now(), request.minValiditySeconds) ? cached : undefined;
  };

  if (!request.force) {
    const cached = await cachedToken();
    if (cached) return cached;
  }
  const release = await deps.lock(sessionLockName(owner, settings.flow));
  try {
    if (!request.force) {
      const cached = await cachedToken();
      if (cached) return cached;
    }
    const tokens =
      settings.flow === 'pkce'
        ? await refreshPkceSession(deps, settings)
        : await requestClientCredentialsToken(deps, settings, await clientSecret(deps, settings, owner, request.environmentSecret));
    const token = toStoredToken(tokens, settings);
    await cacheToken(deps, tokenAccount, token);
    return token;
  } finally {
    await release();
  }
}

async function clientSecret(deps: FlowDeps, settings: CompleteSettings, owner: string, environmentSecret: string | undefined): Promise<string> {
  const secret = environmentSecret ?? (await deps.store.get(secretAccount(owner, 'client-credentials', 'client-secret')));
  if (secret === undefined) {
    throw new LoginRequiredError(`no client secret stored for profile "${settings.profile}"`, {
      hint: `run \`${loginCommand(settings)}\`, or set OCS_CLIENT_SECRET`,
    });
  }
  return secret;
}

/**
 * Refresh tokens rotate: the new one is stored before anything else, because the old one
 * is now dead and losing the new one would log the person out.
 */
async function refreshPkceSession(deps: FlowDeps, settings: CompleteSettings): Promise<TokenSet> {
  const refreshAccount = secretAccount(settings.profile, 'pkce', 'refresh-token');
  const refreshToken = await deps.store.get(refreshAccount);
  if (refreshToken === undefined) {
    throw new LoginRequiredError(`no valid browser login for profile "${settings.profile}"`, { hint: `run \`${loginCommand(settings)}\`` });
  }
  const tokens = await withProviderMetadata(deps, settings.discoveryUrl, async (metadata) =>
    refreshGrant(await deps.http(), metadata.token_endpoint, { clientId: settings.clientId, refreshToken }, deps.now, loginCommand(settings)),
  );
  if (tokens.refreshToken) await deps.store.set(refreshAccount, tokens.refreshToken);
  return tokens;
}

export interface Login {
  token: StoredToken;
  /** Undefined for a CONNECT account: it has no call like the tenant one to prove a token with. */
  tenant: Tenant | undefined;
}

/**
 * Proves a client secret by getting a token with it (and, for a tenant, asking the API about
 * the tenant), then keeps both. Nothing is stored when the server says no.
 */
export async function loginClientCredentials(deps: FlowDeps, settings: CompleteSettings, clientSecret: string): Promise<Login> {
  const token = toStoredToken(await requestClientCredentialsToken(deps, settings, clientSecret), settings);
  const tenant = settings.tenantId === undefined ? undefined : await fetchTenant(await deps.http(), { ...settings, tenantId: settings.tenantId }, token.access_token);
  await deps.store.set(secretAccount(settings.profile, 'client-credentials', 'client-secret'), clientSecret);
  await cacheToken(deps, secretAccount(settings.profile, 'client-credentials', 'access-token'), token);
  return { token, tenant };
}

function requestClientCredentialsToken(deps: FlowDeps, settings: CompleteSettings, clientSecret: string): Promise<TokenSet> {
  return withProviderMetadata(deps, settings.discoveryUrl, async (metadata) =>
    clientCredentialsGrant(await deps.http(), metadata.token_endpoint, { clientId: settings.clientId, clientSecret, scope: clientCredentialsScope(settings) }, deps.now),
  );
}

/** A configured scope wins; CONNECT wants `api` (its samples send it), OCS none. */
export function clientCredentialsScope(settings: CompleteSettings): string | undefined {
  return settings.scope ?? (settings.accountId === undefined ? undefined : ACCOUNT_API_SCOPE);
}

// The token is already in hand: failing to cache it costs a request next time, not this answer.
async function cacheToken(deps: FlowDeps, account: string, token: StoredToken): Promise<void> {
  try {
    await deps.store.set(account, JSON.stringify(token));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    deps.warn(`could not cache the access token: ${error.message}`);
  }
}

export function loginCommand(settings: CompleteSettings): string {
  const profile = settings.profile === DEFAULT_PROFILE ? '' : ` --profile ${settings.profile}`;
  return `ocs-auth login --${settings.flow}${profile}`;
}
