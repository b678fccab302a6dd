import { LoginRequiredError, UsageError } from '../errors.js';
import { DEFAULT_PROFILE, type CompleteSettings } from '../settings.js';
import { secretAccount } from '../store/secret-store.js';
import { clientCredentialsGrant } from './client-credentials.js';
import { discover } from './discovery.js';
import type { FlowDeps } from './flow-deps.js';
import { fetchTenant, type Tenant } from './tenant.js';
import { isUsable, parseStoredToken, sessionOwner, toStoredToken, type StoredToken } from './stored-token.js';

export interface TokenRequest {
  settings: CompleteSettings;
  /** Reuse a cached token only if it has at least this long left (SPEC default 300). */
  minValiditySeconds: number;
  /** Ignore the cache. */
  force: boolean;
  /** OCS_CLIENT_SECRET: wins over a stored secret, and works with no stored state at all. */
  environmentSecret: string | undefined;
}

export interface AccessToken {
  token: StoredToken;
  fromCache: boolean;
}

/** A valid access token for the settings' flow: the cached one if fresh enough, else a new one. */
export async function getAccessToken(deps: FlowDeps, request: TokenRequest): Promise<AccessToken> {
  const { settings } = request;
  const owner = settings.flow === 'client-credentials' ? sessionOwner(settings, request.environmentSecret !== undefined) : settings.profile;
  const tokenAccount = secretAccount(owner, settings.flow, 'access-token');
  if (!request.force) {
    const cached = parseStoredToken(await deps.store.get(tokenAccount));
    if (isUsable(cached, settings, deps.now(), request.minValiditySeconds)) return { token: cached, fromCache: true };
  }

  if (settings.flow === 'pkce') {
    throw new LoginRequiredError(`no valid browser login for profile "${settings.profile}"`, { hint: `run \`${loginCommand(settings)}\`` });
  }

  const clientSecret = request.environmentSecret ?? (await deps.store.get(secretAccount(owner, 'client-credentials', 'client-secret')));
  if (clientSecret === undefined) {
    throw new LoginRequiredError(`no client secret stored for profile "${settings.profile}"`, {
      hint: `run \`${loginCommand(settings)}\`, or set OCS_CLIENT_SECRET`,
    });
  }
  const token = toStoredToken(await requestClientCredentialsToken(deps, settings, clientSecret), settings);
  await cacheToken(deps, tokenAccount, token);
  return { token, fromCache: false };
}

export interface Login {
  token: StoredToken;
  tenant: Tenant;
}

/**
 * Proves a client secret by getting a token with it and asking the API about the tenant,
 * then keeps both. Nothing is stored when the server says no.
 */
export async function loginClientCredentials(deps: FlowDeps, settings: CompleteSettings, clientSecret: string): Promise<Login> {
  const token = toStoredToken(await requestClientCredentialsToken(deps, settings, clientSecret), settings);
  const tenant = await fetchTenant(await deps.http(), settings, token.access_token);
  await deps.store.set(secretAccount(settings.profile, 'client-credentials', 'client-secret'), clientSecret);
  await cacheToken(deps, secretAccount(settings.profile, 'client-credentials', 'access-token'), token);
  return { token, tenant };
}

async function requestClientCredentialsToken(deps: FlowDeps, settings: CompleteSettings, clientSecret: string) {
  const http = await deps.http();
  const metadata = await discover(http, settings.resource);
  return clientCredentialsGrant(
    http,
    metadata.token_endpoint,
    { clientId: settings.clientId, clientSecret, scope: settings.scope },
    deps.now,
  );
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
