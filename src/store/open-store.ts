import type { StorageKind } from '../config.js';
import { FileStore } from './file-store.js';
import { KeychainStore, KeychainUnavailableError } from './keychain-store.js';
import type { SecretStore } from './secret-store.js';

export interface OpenStoreOptions {
  /** From --storage, OCS_AUTH_STORAGE or the profile; undefined means "keychain if it answers". */
  requested: StorageKind | undefined;
  configDir: string;
  warn: (message: string) => void;
}

/**
 * The store the settings ask for. With no setting, the keychain is tried on first use and,
 * if it cannot be reached (a headless Linux box, a container), the file takes over and the
 * user is told once, naming the file. The switch happens inside the first real call, so
 * the hot path of `token` still reads storage once.
 */
export function openSecretStore({ requested, configDir, warn }: OpenStoreOptions): SecretStore {
  if (requested === 'file') return new FileStore(configDir, warn);
  if (requested === 'keychain') return new KeychainStore();
  return new KeychainOrFileStore(new KeychainStore(), new FileStore(configDir, warn), warn);
}

class KeychainOrFileStore implements SecretStore {
  private active: SecretStore;

  constructor(
    keychain: KeychainStore,
    private readonly file: FileStore,
    private readonly warn: (message: string) => void,
  ) {
    this.active = keychain;
  }

  get kind(): StorageKind {
    return this.active.kind;
  }

  describe(): string {
    return this.active.describe();
  }

  get(account: string): Promise<string | undefined> {
    return this.withFallback((store) => store.get(account));
  }

  set(account: string, value: string): Promise<void> {
    return this.withFallback((store) => store.set(account, value));
  }

  delete(account: string): Promise<boolean> {
    return this.withFallback((store) => store.delete(account));
  }

  list(): Promise<string[]> {
    return this.withFallback((store) => store.list());
  }

  private async withFallback<T>(operation: (store: SecretStore) => Promise<T>): Promise<T> {
    try {
      return await operation(this.active);
    } catch (error) {
      if (!(error instanceof KeychainUnavailableError) || this.active === this.file) throw error;
      this.active = this.file;
      this.warn(
        `no OS keychain reachable (${error.message.replace(/^.*?: /, '')}); keeping secrets in ${this.file.path} (mode 0600). ` +
          'Set OCS_AUTH_STORAGE=file to choose this explicitly.',
      );
      return operation(this.active);
    }
  }
}
