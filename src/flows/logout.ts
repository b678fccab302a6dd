import type { Flow } from '../config.js';
import { discoveryUrlFor } from '../settings.js';
import type { SecretStore } from '../store/secret-store.js';
import { parseSecretAccount, secretAccount } from '../store/secret-store.js';
import { withProviderMetadata } from './discovery.js';
import type { FlowDeps } from './flow-deps.js';
import { revokeToken, type Revocation } from './revocation.js';
import { parseStoredToken } from './stored-token.js';

export interface LogoutResult {
  /** Entries removed, per store description. */
  removed: Map<string, number>;
  revoked: number;
  /** Revocations that failed: logged out locally all the same. */
  revocationFailures: string[];
}

/**
 * Logs one session owner (a profile, or an env-only session) out: revokes what the server
 * can revoke, best effort, then removes every entry of the owner from every given store —
 * secrets can sit in the keychain and in the file if the storage setting changed over time.
 */
/** What the profile says, for sessions whose cached access token (which names both) is gone. */
export interface SessionHint {
  resource?: string | undefined;
  accountId?: string | undefined;
  /** Configured; else derived from resource and account. */
  discoveryUrl?: string | undefined;
  clientId?: string | undefined;
}

export async function logout(deps: FlowDeps, owner: string, stores: SecretStore[], hint: SessionHint): Promise<LogoutResult> {
  const result: LogoutResult = { removed: new Map(), revoked: 0, revocationFailures: [] };
  for (const store of stores) {
    const accounts = (await store.list()).filter((account) => parseSecretAccount(account)?.profile === owner);
    for (const flow of ['pkce', 'client-credentials'] as Flow[]) {
      await revokeSession(deps, store, owner, flow, hint, result);
    }
    let removed = 0;
    for (const account of accounts) if (await store.delete(account)) removed += 1;
    if (removed > 0) result.removed.set(store.describe(), removed);
  }
  return result;
}

async function revokeSession(deps: FlowDeps, store: SecretStore, owner: string, flow: Flow, hint: SessionHint, result: LogoutResult) {
  const accessToken = parseStoredToken(await store.get(secretAccount(owner, flow, 'access-token')));
  const refreshToken = await store.get(secretAccount(owner, flow, 'refresh-token'));
  const clientSecret = await store.get(secretAccount(owner, flow, 'client-secret'));
  const resource = accessToken?.resource ?? hint.resource;
  const accountId = accessToken ? (accessToken.account_id ?? undefined) : hint.accountId;
  const clientId = accessToken?.client_id ?? hint.clientId;
  if (!resource || !clientId || (!accessToken && !refreshToken)) return;

  const revocations: Revocation[] = [];
  if (refreshToken) revocations.push({ token: refreshToken, tokenTypeHint: 'refresh_token', clientId, clientSecret });
  if (accessToken) revocations.push({ token: accessToken.access_token, tokenTypeHint: 'access_token', clientId, clientSecret });
  try {
    const discoveryUrl = discoveryUrlFor({ resource, accountId, discoveryUrl: hint.discoveryUrl });
    await withProviderMetadata(deps, discoveryUrl, async (metadata) => {
      if (!metadata.revocation_endpoint) return;
      const http = await deps.http();
      for (const revocation of revocations) {
        await revokeToken(http, metadata.revocation_endpoint, revocation);
        result.revoked += 1;
      }
    });
  } catch (error) {
    result.revocationFailures.push(`${owner} (${flow}): ${(error as Error).message}`);
  }
}
