import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../fs-atomic.js';
import type { SecretStore } from './secret-store.js';

interface CredentialsFile {
  version: 1;
  entries: Record<string, string>;
}

export function credentialsFilePath(configDir: string): string {
  return join(configDir, 'credentials.json');
}

/** credentials.json in the config folder, mode 0600, replaced atomically on every change. */
export class FileStore implements SecretStore {
  readonly kind = 'file' as const;
  readonly path: string;

  constructor(configDir: string) {
    this.path = credentialsFilePath(configDir);
  }

  describe(): string {
    return this.path;
  }

  async get(account: string): Promise<string | undefined> {
    return (await this.read()).entries[account];
  }

  async set(account: string, value: string): Promise<void> {
    const file = await this.read();
    file.entries[account] = value;
    await this.write(file);
  }

  async delete(account: string): Promise<boolean> {
    const file = await this.read();
    if (!(account in file.entries)) return false;
    delete file.entries[account];
    await this.write(file);
    return true;
  }

  async list(): Promise<string[]> {
    return Object.keys((await this.read()).entries);
  }

  private async read(): Promise<CredentialsFile> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, entries: {} };
      throw new UsageError(`cannot read ${this.path}: ${(error as Error).message}`, { cause: error });
    }
    const parsed = parseCredentials(text);
    if (!parsed) {
      // Never overwrite what we cannot read: it may hold the only copy of a secret.
      throw new UsageError(`${this.path} is damaged (not the JSON ocs-auth writes)`, {
        hint: 'move it aside, then log in again',
      });
    }
    return parsed;
  }

  private async write(file: CredentialsFile): Promise<void> {
    await writeFileAtomic(this.path, `${JSON.stringify(file, null, 2)}\n`);
  }
}

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
