import { resolve } from 'node:path';
import { shortHash } from './short-hash.js';
import { FileStore } from './file-store.js';
import { KeychainStore, KeychainUnavailableError } from './keychain-store.js';
import { storedAt, type SecretStore, type StorageKind } from './secret-store.js';

export interface OpenStoreOptions {
  /** From --storage, OCS_AUTH_STORAGE or the profile; undefined means "keychain if it answers". */
  requested: StorageKind | undefined;
  configDir: string;
  warn: (message: string) => void;
}

/** The keychain's entries for one config folder. */
export function keychainForFolder(configDir: string): KeychainStore {
  return new KeychainStore(`cfg-${shortHash(resolve(configDir))}`);
}

/**
 * The store the settings ask for. With no setting, the keychain is tried on first use and,
 * if it cannot be reached (a headless Linux box, a container), the file takes over and the
 * user is told once, naming the file.
 */
export function openSecretStore({ requested, configDir, warn }: OpenStoreOptions): SecretStore {
  if (requested === 'file') return new FileStore(configDir, warn);
  if (requested === 'keychain') return keychainForFolder(configDir);
  return new KeychainOrFileStore(keychainForFolder(configDir), new FileStore(configDir, warn), warn);
}

/**
 * Keychain first, the file when the keychain cannot be reached. Secrets stored in the file
 * while the keychain was away are still found once it is back, and where a secret has a copy
 * in both (a keychain write that timed out but went through after all), the newer one wins:
 * a stale refresh token must never shadow its rotated successor.
 */
class KeychainOrFileStore implements SecretStore {
  private keychainReachable = true;

  constructor(
    private readonly keychain: KeychainStore,
    private readonly file: FileStore,
    private readonly warn: (message: string) => void,
  ) {}

  get kind(): StorageKind {
    return this.keychainReachable ? 'keychain' : 'file';
  }

  describe(): string {
    return this.keychainReachable ? this.keychain.describe() : this.file.describe();
  }

  async get(account: string): Promise<string | undefined> {
    const inKeychain = await this.fromKeychain((keychain) => keychain.get(account), undefined);
    const inFile = await this.file.get(account);
    return storedAt(inFile) > storedAt(inKeychain) ? inFile : inKeychain;
  }

  async set(account: string, value: string): Promise<void> {
    const stored = await this.fromKeychain(async (keychain) => (await keychain.set(account, value), true), false);
    if (!stored) return this.file.set(account, value);
    // An older copy kept in the file while the keychain was away has served its purpose.
    await this.file.delete(account);
  }

  async delete(account: string): Promise<boolean> {
    const inKeychain = await this.fromKeychain((keychain) => keychain.delete(account), false);
    const inFile = await this.file.delete(account);
    return inKeychain || inFile;
  }

  async list(): Promise<string[]> {
    const inKeychain = await this.fromKeychain((keychain) => keychain.list(), []);
    return [...new Set([...inKeychain, ...(await this.file.list())])];
  }

  /** The keychain's answer, or `unreachable` (said once) when it cannot be reached. */
  private async fromKeychain<T>(operation: (keychain: KeychainStore) => Promise<T>, unreachable: T): Promise<T> {
    if (!this.keychainReachable) return unreachable;
    try {
      return await operation(this.keychain);
    } catch (error) {
      if (!(error instanceof KeychainUnavailableError)) throw error;
      this.keychainReachable = false;
      this.warn(
        `no OS keychain reachable (${error.message.replace(/^.*?: /, '')}); keeping secrets in ${this.file.path} (mode 0600). ` +
          'Set OCS_AUTH_STORAGE=file to choose this explicitly.',
      );
      return unreachable;
    }
  }
}
