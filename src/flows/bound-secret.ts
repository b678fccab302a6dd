import type { Flow } from '../config/config-file.js';
import { CredentialsElsewhereError, LoginRequiredError } from '../errors.js';
import { derivedDiscoveryUrl, type CompleteSettings } from '../config/settings.js';
import { secretAccount, type SecretKind, type SecretStore } from '../store/secret-store.js';

/**
 * What a stored client secret or refresh token was issued for. It is sent to that issuer, for
 * that client and tenant, and nowhere else: a flag or an environment variable pointing the
 * profile at another server must not carry the profile's secret there.
 */
export interface Binding {
  resource: string;
  /** Where the issuer was discovered: where a logout finds its revocation endpoint. */
  discovery_url: string;
  /** From discovery. Null for a secret stored by `configure`, before any discovery: bound on first use. */
  issuer: string | null;
  client_id: string;
  /** Exactly one of tenant (OCS / AVEVA Data Hub) and account (CONNECT) is set. */
  tenant_id: string | null;
  account_id: string | null;
}

export interface BoundSecret {
  value: string;
  binding: Binding;
  /** Epoch ms: decides between two copies (see SecretStore). */
  stored_at: number;
  /**
   * Epoch ms when the server refused this refresh token (invalid_grant) or client secret
   * (invalid_client): `status` must not call the session logged in. A new login stores a new
   * record without it, as does a client secret the server takes again.
   */
  refused_at?: number | undefined;
}

export function bindingFor(settings: CompleteSettings, issuer: string | null): Binding {
  return { resource: settings.resource, discovery_url: settings.discoveryUrl, issuer, client_id: settings.clientId, tenant_id: settings.tenantId ?? null, account_id: settings.accountId ?? null };
}

export async function storeBoundSecret(store: SecretStore, owner: string, flow: Flow, kind: SecretKind, value: string, binding: Binding, now: number): Promise<void> {
  const record: BoundSecret = { value, binding, stored_at: now };
  await store.set(secretAccount(owner, flow, kind), JSON.stringify(record));
}

/** Remembers that the server refused the stored value, for `status`; the value stays, for logout to revoke. */
export async function markRefused(store: SecretStore, owner: string, flow: Flow, kind: SecretKind, record: BoundSecret, now: number): Promise<void> {
  await store.set(secretAccount(owner, flow, kind), JSON.stringify({ ...record, refused_at: now } satisfies BoundSecret));
}

/**
 * How the settings in force differ from what a stored secret is bound to, one phrase each
 * ("client A, now B"); empty when they agree. `expected.issuer` null: not known yet, not compared.
 */
export function bindingChanges(stored: Binding, expected: Binding): string[] {
  const changes: string[] = [];
  const compare = (what: string, before: string | null, now: string | null, same = before === now) => {
    if (!same) changes.push(`${what} ${before ?? 'none'}, now ${now ?? 'none'}`);
  };
  compare('resource', stored.resource, expected.resource);
  compare('tenant', stored.tenant_id, expected.tenant_id, stored.tenant_id?.toLowerCase() === expected.tenant_id?.toLowerCase());
  compare('account', stored.account_id, expected.account_id);
  compare('client', stored.client_id, expected.client_id);
  compare('discovery URL', stored.discovery_url, expected.discovery_url);
  if (stored.issuer !== null && expected.issuer !== null) compare('issuer', stored.issuer, expected.issuer);
  return changes;
}

/** The stored value, whatever it is bound to: for revoking it where it came from. */
export async function readBoundSecret(store: SecretStore, owner: string, flow: Flow, kind: SecretKind): Promise<BoundSecret | undefined> {
  return readRecord(await store.get(secretAccount(owner, flow, kind)));
}

/**
 * The stored value, if it is bound to `expected`. A missing one means "log in"; one bound
 * elsewhere is refused before anything is sent, naming both places, so the person can choose.
 * `expected.issuer` null: not discovered yet, so everything but the issuer is checked (a
 * profile pointed at a server that does not answer is told so, rather than "unreachable").
 */
export function requireBinding(record: BoundSecret | undefined, expected: Binding, what: { profile: string; missing: string; hint: string }): string {
  if (!record) throw new LoginRequiredError(what.missing, { hint: what.hint });
  if (!sameBinding(record.binding, expected)) {
    // Where the resources match, the issuer is what differs, and what to show.
    const withIssuer = record.binding.resource === expected.resource;
    throw new CredentialsElsewhereError(
      `profile "${what.profile}" is logged in at ${describeBinding(record.binding, withIssuer)}, but the settings in force point to ${describeBinding(expected, withIssuer)}; nothing was sent there`,
    );
  }
  return record.value;
}

// Compared even before the issuer is known: a secret stored by `configure` has none yet.
function sameBinding(stored: Binding, expected: Binding): boolean {
  return bindingChanges(stored, expected).length === 0;
}

function describeBinding(binding: Binding, withIssuer: boolean): string {
  const where = binding.tenant_id === null ? `account ${binding.account_id}` : `tenant ${binding.tenant_id}`;
  const discovery = binding.discovery_url === derivedDiscoveryUrl(binding.resource, binding.account_id ?? undefined) ? '' : ` (discovery ${binding.discovery_url})`;
  const issuer = withIssuer && binding.issuer !== null ? ` (issuer ${binding.issuer})` : '';
  return `${binding.resource}${discovery}${issuer}, client ${binding.client_id}, ${where}`;
}

function readRecord(text: string | undefined): BoundSecret | undefined {
  if (text === undefined) return undefined;
  try {
    const record = JSON.parse(text) as Partial<BoundSecret> | null;
    const binding = record?.binding;
    if (
      typeof record?.value === 'string' &&
      typeof binding?.resource === 'string' &&
      typeof binding.discovery_url === 'string' &&
      (typeof binding.issuer === 'string' || binding.issuer === null) &&
      typeof binding.client_id === 'string' &&
      (typeof binding.tenant_id === 'string') !== (typeof binding.account_id === 'string') &&
      typeof record.stored_at === 'number'
    ) {
      return record as BoundSecret;
    }
  } catch {
    // not ours: an entry from an older ocs-auth, or damaged
  }
  return undefined;
}
