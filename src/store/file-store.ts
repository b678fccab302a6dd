import { readFile, rename } from './fs-async.js';
import { checkPrivateFile } from './private-path.js';
import { join } from 'node:path';
import type { Release } from './lock.js';
import { writeFileAtomic } from './fs-atomic.js';
import { fsUsageError } from './fs-errors.js';
import type { SecretStore } from './secret-store.js';

interface CredentialsFile {
  version: 1;
  entries: Record<string, string>;
}

export function credentialsFilePath(configDir: string): string {
  return join(configDir, 'credentials.json');
}

/**
 * credentials.json in the config folder, mode 0600, replaced atomically on every change.
 *
 * A file that is not the JSON we write (truncated by a full disk, edited by hand, something
 * else's) reads as holding nothing, so commands say "login needed" (exit 3) rather than fail
 * on it. It may hold the only copy of a secret, though, so it is never deleted or
 * overwritten: the first write (a login, a token to cache) renames it to
 * credentials.json.damaged-<time> first, and says so. Renaming rather than refusing keeps
 * the remedy we print, "log in again", one command long, and loses no byte of the file.
 *
 * Every change is a read-modify-write of the whole file, so changes take a lock first:
 * without it, two processes storing two profiles' rotated refresh tokens at once would each
 * write back the other's old one. Reads need none (the file is replaced atomically).
 */
export class FileStore implements SecretStore {
  readonly kind = 'file' as const;
  readonly path: string;
  private warnedDamaged = false;

  constructor(
    private readonly configDir: string,
    private readonly warn: (message: string) => void = () => {},
  ) {
    this.path = credentialsFilePath(configDir);
  }

  describe(): string {
    return this.path;
  }

  async get(account: string): Promise<string | undefined> {
    return (await this.readUsable())?.entries[account];
  }

  async set(account: string, value: string): Promise<void> {
    await this.change(async () => {
      let file = await this.read();
      if (file === DAMAGED) {
        await this.moveAside();
        file = await this.read();
      }
      const entries = file === DAMAGED ? {} : file.entries;
      entries[account] = value;
      await this.write({ version: 1, entries });
    });
  }

  async delete(account: string): Promise<boolean> {
    // Most deletes find nothing (logout sweeps, the keychain's stale-copy cleanup): no lock for those.
    if ((await this.readUsable())?.entries[account] === undefined) return false;
    return this.change(async () => {
      const file = await this.readUsable();
      if (!file || !(account in file.entries)) return false;
      delete file.entries[account];
      await this.write(file);
      return true;
    });
  }

  async list(): Promise<string[]> {
    return Object.keys((await this.readUsable())?.entries ?? {});
  }

  private async change<T>(readModifyWrite: () => Promise<T>): Promise<T> {
    // Loaded on use: the lock needs node:crypto, which a cached `token` never loads. Not
    // interruptible: a rotated refresh token being stored must be stored, and the lock is
    // held for milliseconds.
    const { acquireLock } = await import('./lock.js');
    const release: Release = await acquireLock(join(this.configDir, 'locks'), 'credentials-file');
    try {
      return await readModifyWrite();
    } finally {
      await release();
    }
  }

  /** The file's entries, or undefined (after a warning) when it is damaged. */
  private async readUsable(): Promise<CredentialsFile | undefined> {
    const file = await this.read();
    if (file !== DAMAGED) return file;
    if (!this.warnedDamaged) {
      this.warnedDamaged = true;
      this.warn(`${this.path} is damaged (not the JSON ocs-auth writes): read as holding no credentials and left as it is; the next login moves it aside`);
    }
    return undefined;
  }

  private async read(): Promise<CredentialsFile | typeof DAMAGED> {
    let text: string;
    await checkPrivateFile(this.path, 'secret');
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, entries: {} };
      throw fsUsageError(error, 'read', this.path);
    }
    return parseCredentials(text) ?? DAMAGED;
  }

  private async moveAside(): Promise<void> {
    const aside = `${this.path}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      await rename(this.path, aside);
    } catch (error) {
      // Another process moved it first: nothing left to keep.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw fsUsageError(error, 'write', this.path);
    }
    this.warn(`${this.path} was damaged (not the JSON ocs-auth writes): kept as ${aside}, and a new one started`);
  }

  private async write(file: CredentialsFile): Promise<void> {
    await writeFileAtomic(this.path, `${JSON.stringify(file, null, 2)}\n`);
  }
}

const DAMAGED = Symbol('damaged');

function parseCredentials(text: string): CredentialsFile | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { entries } = value as { entries?: unknown };
  if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) return undefined;
  if (!Object.values(entries).every((entry) => typeof entry === 'string')) return undefined;
  return { version: 1, entries: { ...(entries as Record<string, string>) } };
}
