
/**
 * Where each session's long-lived secrets live: the client secret and the refresh token.
 * (Access tokens are short-lived and often too large for a keychain entry: they live in the
 * token cache, src/store/token-cache.ts.)
 *
 * Every value is a JSON object with a numeric `stored_at` (epoch ms): where one secret has a
 * copy in both the keychain and the file (a fallback, a keychain call that timed out but went
 * through after all), the newer copy wins.
 */
export interface SecretStore {
  readonly kind: StorageKind;
  get(account: string): Promise<string | undefined>;
  set(account: string, value: string): Promise<void>;
  /** True when something was there to delete. */
  delete(account: string): Promise<boolean>;
  /** Every account this tool has stored for this config folder. */
  list(): Promise<string[]>;
  /** For `status` and warnings: "the OS keychain" or the file's path. */
  describe(): string;
}

export const STORAGE_KINDS = ['keychain', 'file'] as const;
export type StorageKind = (typeof STORAGE_KINDS)[number];

/** The keychain service name all entries are filed under. */
export const SERVICE = 'ocs-auth';

export type SecretKind = 'client-secret' | 'refresh-token';

/** One entry per session owner/flow/kind (SPEC "Storage"). */
export function secretAccount(owner: string, flow: string, kind: SecretKind): string {
  return `${owner}/${flow}/${kind}`;
}

/** The owner (profile or env-only session) an entry belongs to, whatever its kind. */
export function accountOwner(account: string): string | undefined {
  return /^([^/]+)\//.exec(account)?.[1];
}

/** The time a stored value was written, for choosing between two copies of it. */
export function storedAt(value: string | undefined): number {
  if (value === undefined) return -Infinity;
  try {
    const at = (JSON.parse(value) as { stored_at?: unknown } | null)?.stored_at;
    return typeof at === 'number' ? at : 0;
  } catch {
    return 0;
  }
}
