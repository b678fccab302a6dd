import { UsageError } from '../errors.js';
import { SERVICE, type SecretStore } from './secret-store.js';

/** The keytar API (as in @napi-rs/keyring/keytar), which this store is written against. */
interface Keytar {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>;
}

/** The Windows Credential Manager's limit for one entry; we hold every platform to it. */
export const MAX_ENTRY_BYTES = 2560;

// A locked keyring may wait for an unlock dialog that no one will ever see (SSH, CI).
const KEYCHAIN_TIMEOUT_MS = 5000;

/** Thrown when the keychain cannot be reached at all, so the resolver may fall back to the file. */
export class KeychainUnavailableError extends UsageError {}

/** The OS keychain (macOS Keychain, Windows Credential Manager, Secret Service) via the keytar API. */
export class KeychainStore implements SecretStore {
  readonly kind = 'keychain' as const;
  private keytar: Promise<Keytar> | undefined;

  describe(): string {
    return `the OS keychain (service "${SERVICE}")`;
  }

  async get(account: string): Promise<string | undefined> {
    return (await this.call((keytar) => keytar.getPassword(SERVICE, account))) ?? undefined;
  }

  async set(account: string, value: string): Promise<void> {
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > MAX_ENTRY_BYTES) {
      throw new UsageError(`${account} is ${bytes} bytes, more than the keychain's ${MAX_ENTRY_BYTES}`, {
        hint: 'use --storage file for this profile',
      });
    }
    await this.call((keytar) => keytar.setPassword(SERVICE, account, value));
  }

  async delete(account: string): Promise<boolean> {
    return this.call((keytar) => keytar.deletePassword(SERVICE, account));
  }

  async list(): Promise<string[]> {
    const credentials = await this.call((keytar) => keytar.findCredentials(SERVICE));
    return credentials.map((credential) => credential.account);
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
