import { UsageError } from '../errors.js';
import { SERVICE, type SecretStore } from './secret-store.js';

/** The keytar API (as in @napi-rs/keyring/keytar), which this store is written against. */
interface Keytar {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>;
}

/**
 * The Windows Credential Manager holds at most 2,560 bytes an entry, and stores UTF-16: 1,280
 * JavaScript characters (UTF-16 code units). Every platform is held to it, so a profile that
 * works on Linux works on Windows. Client secrets and refresh tokens, with what they are
 * bound to, stay far below it; access tokens do not, and live in the token cache instead.
 */
export const MAX_ENTRY_CHARACTERS = 1280;

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
  constructor(private readonly namespace: string) {}

  describe(): string {
    return `the OS keychain (service "${SERVICE}")`;
  }

  async get(account: string): Promise<string | undefined> {
    return (await this.call((keytar) => keytar.getPassword(SERVICE, this.entry(account)))) ?? undefined;
  }

  async set(account: string, value: string): Promise<void> {
    if (value.length > MAX_ENTRY_CHARACTERS) {
      throw new UsageError(`${account} is ${value.length} characters, more than a keychain entry holds on Windows (${MAX_ENTRY_CHARACTERS})`, {
        hint: 'use --storage file for this profile',
      });
    }
    await this.call((keytar) => keytar.setPassword(SERVICE, this.entry(account), value));
  }

  async delete(account: string): Promise<boolean> {
    return this.call((keytar) => keytar.deletePassword(SERVICE, this.entry(account)));
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
