import { type Flow, FLOWS } from '../config/config-file.js';
import { discoveryUrlFor } from '../config/settings.js';
import { accountOwner, secretAccount, type SecretKind, type SecretStore } from '../store/secret-store.js';
import { type BoundSecret, readBoundSecret } from './bound-secret.js';
import { withProviderMetadata } from './discovery.js';
import type { FlowDeps } from './flow-deps.js';
import { type Revocation, revokeToken } from './revocation.js';
import { parseStoredToken, sessionLockName, type StoredToken } from './stored-token.js';

export interface LogoutResult {
  /** Entries removed, per place (a store's description, or the token cache). */
  removed: Map<string, number>;
  revokedRefreshTokens: number;
  /**
   * Epoch ms until which a removed access token still works: JWT access tokens are checked
   * without asking the issuer, so revoking them recalls nothing. Undefined when none was live.
   */
  accessTokenValidUntil: number | undefined;
  /** Revocations that failed: logged out locally all the same. */
  revocationFailures: string[];
  /** There was something to revoke, and the server's discovery document names no revocation endpoint. */
  withoutRevocationEndpoint: boolean;
  /** Refresh tokens removed here but not revoked at the server (no endpoint, or refused): they may still work there. */
  unrevokedRefreshTokens: number;
}

const TOKEN_CACHE_PLACE = 'the token cache';

/**
 * Logs one session owner (a profile, or an env-only session) out: revokes what the server
 * can revoke, best effort, then removes every entry of the owner from every given store
 * (secrets can sit in the keychain and in the file if the storage setting changed over time)
 * and its cached access tokens. Each flow's part runs under the session's lock, so a refresh
 * running in parallel cannot store a rotated token after the logout.
 */
export async function logout(deps: FlowDeps, owner: string, stores: SecretStore[], configuredDiscoveryUrl: string | undefined): Promise<LogoutResult> {
  const result: LogoutResult = {
    removed: new Map(),
    revokedRefreshTokens: 0,
    accessTokenValidUntil: undefined,
    revocationFailures: [],
    withoutRevocationEndpoint: false,
    unrevokedRefreshTokens: 0,
  };
  const count = (place: string) => result.removed.set(place, (result.removed.get(place) ?? 0) + 1);
  for (const flow of FLOWS) {
    const release = await deps.lock(sessionLockName(owner, flow));
    try {
      const accessToken = parseStoredToken(await deps.tokens.read({ owner, flow }));
      await revokeSession(deps, stores, owner, flow, accessToken, configuredDiscoveryUrl, result);
      for (const store of stores) {
        for (const kind of ['refresh-token', 'client-secret'] as const) if (await store.delete(secretAccount(owner, flow, kind))) count(store.describe());
      }
      if (await deps.tokens.delete({ owner, flow })) count(TOKEN_CACHE_PLACE);
      if (accessToken && accessToken.expires_at > deps.now()) {
        result.accessTokenValidUntil = Math.max(result.accessTokenValidUntil ?? 0, accessToken.expires_at);
      }
    } finally {
      await release();
    }
  }
  // Whatever else is filed under the owner (entries an older ocs-auth wrote) goes too.
  for (const store of stores) {
    for (const account of await store.list()) if (accountOwner(account) === owner && (await store.delete(account))) count(store.describe());
  }
  return result;
}

/**
 * Revocation goes where each secret came from, and only there: to the discovery URL the
 * secret was bound with (for an access token alone, the profile's or the derived one), and
 * only if it still names the same issuer.
 */
async function revokeSession(
  deps: FlowDeps,
  stores: SecretStore[],
  owner: string,
  flow: Flow,
  accessToken: StoredToken | undefined,
  configuredDiscoveryUrl: string | undefined,
  result: LogoutResult,
) {
  const newest = async (kind: SecretKind) => {
    const records = await Promise.all(stores.map((store) => readBoundSecret(store, owner, flow, kind)));
    return records.reduce<BoundSecret | undefined>((a, b) => (b && (!a || b.stored_at > a.stored_at) ? b : a), undefined);
  };
  const refreshToken = await newest('refresh-token');
  const clientSecret = await newest('client-secret');
  const target =
    refreshToken?.binding ??
    (accessToken && {
      resource: accessToken.resource,
      discovery_url: discoveryUrlFor({ resource: accessToken.resource, accountId: accessToken.account_id ?? undefined, discoveryUrl: configuredDiscoveryUrl }),
      issuer: accessToken.issuer,
      client_id: accessToken.client_id,
    });
  if (!target) return;

  const revocations: Revocation[] = [];
  const secretFor = (record: BoundSecret | undefined) => (record && record.binding.resource === target.resource && record.binding.client_id === target.client_id ? record.value : undefined);
  if (refreshToken) revocations.push({ token: refreshToken.value, tokenTypeHint: 'refresh_token', clientId: target.client_id, clientSecret: secretFor(clientSecret) });
  // A confidential client's revocation needs its secret; an env-only session keeps none, and
  // OCS_CLIENT_SECRET is not sent where no stored binding vouches for the server. Nothing is
  // lost: a JWT access token stays valid until it expires whether revoked or not.
  const accessSecret = secretFor(clientSecret);
  if (accessToken && accessToken.resource === target.resource && (flow === 'pkce' || accessSecret !== undefined)) {
    revocations.push({ token: accessToken.access_token, tokenTypeHint: 'access_token', clientId: target.client_id, clientSecret: accessSecret });
  }
  if (revocations.length === 0) return;
  const revokedBefore = result.revokedRefreshTokens;
  try {
    await withProviderMetadata(deps, target.discovery_url, async (metadata) => {
      if (!metadata.revocation_endpoint) {
        result.withoutRevocationEndpoint = true;
        return;
      }
      if (target.issuer !== null && metadata.issuer !== target.issuer) {
        throw new Error(`${target.discovery_url} now names issuer ${metadata.issuer}, not ${target.issuer}: nothing sent`);
      }
      const http = await deps.http();
      for (const revocation of revocations) {
        await revokeToken(http, metadata.revocation_endpoint, revocation);
        if (revocation.tokenTypeHint === 'refresh_token') result.revokedRefreshTokens += 1;
      }
    });
  } catch (error) {
    result.revocationFailures.push(`${owner} (${flow}): ${(error as Error).message}`);
  }
  if (refreshToken && result.revokedRefreshTokens === revokedBefore) result.unrevokedRefreshTokens += 1;
}
