import { UsageError } from '../errors.js';
import { formatPointer, isPointer, MISSING, parsePointer, removeGroup, removeReplaced, seal, unseal } from './sealed-file.js';
import { SERVICE, type SecretStore } from './secret-store.js';
import { shortHash } from './short-hash.js';

/** The keytar API (as in @napi-rs/keyring/keytar), which this store is written against. */
interface Keytar {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>;
}

/**
 * The Windows Credential Manager holds at most 2,560 bytes an entry, and stores UTF-16: 1,280
 * JavaScript characters (UTF-16 code units).
 */
export const WINDOWS_ENTRY_CHARACTERS = 1280;

/**
 * What one keychain entry holds, in UTF-16 code units: Windows' 1,280; the Secret Service
 * takes values far larger than any token (10,000 characters tested), and the macOS Keychain is
 * taken to as well (untested here). OCS_AUTH_TEST_KEYCHAIN_ENTRY_LIMIT
 * holds the real keyring of a Linux test run to Windows' limit, so that the path Windows takes
 * runs against a real keychain.
 */
export function keychainEntryLimit(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): number {
  const forTests = Number(env.OCS_AUTH_TEST_KEYCHAIN_ENTRY_LIMIT);
  if (Number.isInteger(forTests) && forTests > 0) return forTests;
  return platform === 'win32' ? WINDOWS_ENTRY_CHARACTERS : Infinity;
}

export interface KeychainStoreOptions {
  /** The most characters one entry holds (keychainEntryLimit): a longer secret is sealed. */
  entryLimit: number;
  /** Where sealed secrets are kept: the state folder of the config folder the namespace names. */
  sealedDir: string;
}

// A locked keyring may wait for an unlock dialog that no one will ever see (SSH, CI).
const KEYCHAIN_TIMEOUT_MS = 5000;

/** Thrown when the keychain cannot be reached at all, so the resolver may fall back to the file. */
export class KeychainUnavailableError extends UsageError {}

/**
 * The OS keychain (macOS Keychain, Windows Credential Manager, Secret Service) via the keytar
 * API. One keychain serves every config folder, while config.ini and the locks belong to one
 * (OCS_AUTH_CONFIG_DIR): each folder's entries are filed under a namespace of its own, so two
 * folders with a profile "default" never share, or race on, one refresh token.
 */
export class KeychainStore implements SecretStore {
  readonly kind = 'keychain' as const;
  private keytar: Promise<Keytar> | undefined;

  /** `namespace`: names the config folder, e.g. shortHash of its absolute path. */
  constructor(
    private readonly namespace: string,
    private readonly options: KeychainStoreOptions,
  ) {}

  describe(): string {
    return `the OS keychain (service "${SERVICE}")`;
  }

  async get(account: string): Promise<string | undefined> {
    for (let value = await this.getEntry(account); ; ) {
      if (value === undefined || !isPointer(value)) return value;
      const pointer = parsePointer(value);
      if (!pointer) return undefined;
      const secret = await unseal(this.options.sealedDir, pointer);
      if (secret !== MISSING) return secret;
      // Replaced by a write since we read the entry (which removes the old file): read it again.
      // Unchanged, the file is gone for good, and the secret with it.
      const again = await this.getEntry(account);
      if (again === value) return undefined;
      value = again;
    }
  }

  /**
   * A secret longer than an entry holds is sealed into the state folder, and the entry holds
   * the key and the file's name (src/store/sealed-file.ts). So is a value that would read like
   * such a pointer, so that no stored value is ever taken for one.
   */
  async set(account: string, value: string): Promise<void> {
    const previous = await this.getEntry(account);
    if (value.length <= this.options.entryLimit && !isPointer(value)) {
      await this.setEntry(account, value);
    } else {
      // Kept even if the entry's write fails: one that timed out may land all the same, and
      // its file must be there. delete() sweeps what no entry points to.
      const pointer = await seal(this.options.sealedDir, this.group(account), value);
      await this.setEntry(account, formatPointer(pointer));
    }
    // The replaced value's file: no reader finds it any more once the entry is replaced.
    const replaced = previous === undefined ? undefined : parsePointer(previous);
    if (replaced) await removeReplaced(this.options.sealedDir, replaced.file);
  }

  async delete(account: string): Promise<boolean> {
    const deleted = await this.call((keytar) => keytar.deletePassword(SERVICE, this.entry(account)));
    // Every file the entry ever pointed to, the ones lost races left behind included.
    await removeGroup(this.options.sealedDir, this.group(account));
    return deleted;
  }

  async list(): Promise<string[]> {
    const credentials = await this.call((keytar) => keytar.findCredentials(SERVICE));
    const prefix = this.entry('');
    return credentials.filter(({ account }) => account.startsWith(prefix)).map(({ account }) => account.slice(prefix.length));
  }

  /**
   * Removes what ocs-auth 0.1.0 filed under no config folder ("<profile>/<flow>/<kind>"):
   * entries no namespace lists any more, so nothing else would ever remove their secrets.
   */
  async removeUnfiled(): Promise<number> {
    const credentials = await this.call((keytar) => keytar.findCredentials(SERVICE));
    const unfiled = credentials.filter(({ account }) => /^[^:/]+\/(pkce|client-credentials)\/(client-secret|access-token|refresh-token)$/.test(account));
    for (const { account } of unfiled) await this.call((keytar) => keytar.deletePassword(SERVICE, account));
    return unfiled.length;
  }

  private async getEntry(account: string): Promise<string | undefined> {
    return (await this.call((keytar) => keytar.getPassword(SERVICE, this.entry(account)))) ?? undefined;
  }

  private async setEntry(account: string, value: string): Promise<void> {
    await this.call((keytar) => keytar.setPassword(SERVICE, this.entry(account), value));
  }

  /** What the names of an entry's sealed files start with. */
  private group(account: string): string {
    return shortHash(this.entry(account));
  }

  /** The keychain's account name: "<folder namespace>:<account>". */
  private entry(account: string): string {
    return `${this.namespace}:${account}`;
  }

  private async call<T>(operation: (keytar: Keytar) => Promise<T>): Promise<T> {
    this.keytar ??= loadKeytar();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${KEYCHAIN_TIMEOUT_MS / 1000} s`)), KEYCHAIN_TIMEOUT_MS);
      timer.unref();
    });
    try {
      return await Promise.race([this.keytar.then(operation), timeout]);
    } catch (error) {
      throw new KeychainUnavailableError(`the OS keychain is not reachable: ${firstLine(error)}`, {
        hint: 'unlock it, or keep secrets in a file instead with --storage file (or OCS_AUTH_STORAGE=file)',
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * @napi-rs/keyring/keytar, except that on Linux every entry is pinned to the Secret Service.
 * Unpinned, the binding silently falls back to the kernel keyutils keyring, which forgets
 * everything at reboot (and is denied in many containers): there we would rather fall back
 * to the credentials file, visibly, as the SPEC asks.
 */
async function loadKeytar(): Promise<Keytar> {
  const { AsyncEntry, findCredentialsAsync } = await import('@napi-rs/keyring');
  const options = { linux: { store: 'secret-service' as const } };
  const entry = (service: string, account: string) => new AsyncEntry(service, account, options);
  return {
    getPassword: (service, account) => entry(service, account).getPassword(),
    setPassword: (service, account, password) => entry(service, account).setPassword(password),
    deletePassword: async (service, account) => entry(service, account).deletePassword(),
    findCredentials: (service) => findCredentialsAsync(service),
  };
}

function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split('\n')[0]!;
}
