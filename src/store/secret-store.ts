import type { Flow, StorageKind } from '../config.js';

/** Where the client secret, refresh token and access token of each profile live. */
export interface SecretStore {
  readonly kind: StorageKind;
  get(account: string): Promise<string | undefined>;
  set(account: string, value: string): Promise<void>;
  /** True when something was there to delete. */
  delete(account: string): Promise<boolean>;
  /** Every account this tool has stored. */
  list(): Promise<string[]>;
  /** For `status` and warnings: "the OS keychain" or the file's path. */
  describe(): string;
}

/** The keychain service name all entries are filed under. */
export const SERVICE = 'ocs-auth';

export type SecretKind = 'client-secret' | 'access-token' | 'refresh-token';

/** One entry per profile/flow/kind (SPEC "Storage"). */
export function secretAccount(profile: string, flow: Flow, kind: SecretKind): string {
  return `${profile}/${flow}/${kind}`;
}

export function parseSecretAccount(account: string): { profile: string; flow: Flow; kind: SecretKind } | undefined {
  const match = /^([^/]+)\/(pkce|client-credentials)\/(client-secret|access-token|refresh-token)$/.exec(account);
  return match ? { profile: match[1]!, flow: match[2] as Flow, kind: match[3] as SecretKind } : undefined;
}
