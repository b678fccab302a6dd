import { existsSync } from 'node:fs';
import { writeFile } from './fs-async.js';
import { join, resolve } from 'node:path';
import { shortHash } from './short-hash.js';
import { FileStore } from './file-store.js';
import { keychainEntryLimit, KeychainStore, KeychainUnavailableError } from './keychain-store.js';
import { type SecretStore, type StorageKind, storedAt } from './secret-store.js';

export interface OpenStoreOptions {
  /** From --storage, OCS_AUTH_STORAGE or the profile; undefined means "keychain if it answers". */
  requested: StorageKind | undefined;
  configDir: string;
  /** The machine's own state folder (Windows: under %LOCALAPPDATA%), where sealed secrets go. */
  stateDir: string;
  warn: (message: string) => void;
  /** --verbose: the fallback warning names the keychain's own error (a long D-Bus message on Linux). */
  verbose?: boolean | undefined;
  /** For the keychain's per-entry limit (keychainEntryLimit). */
  env: NodeJS.ProcessEnv;
}

/**
 * The keychain's entries for one config folder. Secrets too long for an entry are sealed into
 * the state folder: their keys stay in this machine's keychain, so the files must not roam to
 * another machine with the config folder (Windows' %APPDATA%).
 */
export function keychainForFolder(configDir: string, stateDir: string, env: NodeJS.ProcessEnv): KeychainStore {
  return new KeychainStore(`cfg-${shortHash(resolve(configDir))}`, { entryLimit: keychainEntryLimit(process.platform, env), sealedDir: stateDir });
}

/**
 * The store the settings ask for. With no setting, the keychain is tried on first use and,
 * if it cannot be reached (a headless Linux box, a container), the file takes over and the
 * user is told once, naming the file.
 */
export function openSecretStore({ requested, configDir, stateDir, warn, verbose = false, env }: OpenStoreOptions): SecretStore {
  if (requested === 'file') return new FileStore(configDir, warn);
  if (requested === 'keychain') return keychainForFolder(configDir, stateDir, env);
  return new KeychainOrFileStore(keychainForFolder(configDir, stateDir, env), new FileStore(configDir, warn), fallbackWarning(configDir, warn, verbose));
}

/**
 * A box without a keychain stays one: said on every call, the warning would drown a script's
 * log. A marker in the config folder remembers that it was said; --verbose says it always.
 */
function fallbackWarning(configDir: string, warn: (message: string) => void, verbose: boolean): (path: string, cause: string) => void {
  const marker = join(configDir, FALLBACK_MARKER);
  return (path, cause) => {
    if (!verbose && existsSync(marker)) return;
    warn(
      `no OS keychain reachable${verbose ? ` (${cause})` : ''}; keeping secrets in ${path} (mode 0600). ` +
        // The variable first: it works for every session, while `configure` needs a profile to write,
        // and a session from OCS_* variables alone has none.
        'Set OCS_AUTH_STORAGE=file (for a profile, `ocs-auth configure --storage file` also works) to choose this and silence this warning; it is said once.',
    );
    // Best effort: failing to remember costs one more warning, nothing else.
    writeFile(marker, `${new Date().toISOString()} ${cause}\n`, { mode: 0o600 }).catch(() => {});
  };
}

/** In the config folder: the keychain fallback was announced there once. */
export const FALLBACK_MARKER = 'keychain-fallback-announced';

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
    private readonly announceFallback: (path: string, cause: string) => void,
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
      this.announceFallback(this.file.path, error.message.replace(/^.*?: /, ''));
      return unreachable;
    }
  }
}
