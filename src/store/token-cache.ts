import { readdir, readFile, rm } from './fs-async.js';
import { join } from 'node:path';
import { writeFileAtomic } from './fs-atomic.js';
import { fsUsageError } from './fs-errors.js';
import { checkPrivate, checkPrivateFile } from './private-path.js';

export interface CachedSession {
  owner: string;
  /** A flow's name: the cache keeps sessions of any flow apart, whatever flows there are. */
  flow: string;
}

/**
 * The cached access token of each session, one file each under <state folder>/tokens/ (paths.ts stateDir), mode
 * 0600. Access tokens live here rather than in the keychain on every platform: they expire
 * within the hour, a Windows keychain entry holds 1,280 characters while a token with role
 * claims holds more, and one small file read keeps a cached `token` near bare Node's start-up.
 * One file per session means no read-modify-write, so parallel processes lose nothing.
 */
export interface TokenCache {
  read(session: CachedSession): Promise<string | undefined>;
  write(session: CachedSession, value: string): Promise<void>;
  /** True when there was a token to delete. */
  delete(session: CachedSession): Promise<boolean>;
  list(): Promise<CachedSession[]>;
}

export function tokenCacheDir(stateDir: string): string {
  return join(stateDir, 'tokens');
}

export function fileTokenCache(stateDir: string): TokenCache {
  const dir = tokenCacheDir(stateDir);
  const path = ({ owner, flow }: CachedSession) => join(dir, flow, `${owner}.json`);
  // Whoever could write in these folders could swap the token a script is handed.
  const checkFolders = async ({ flow }: CachedSession) => {
    await checkPrivate(dir, 'folder');
    await checkPrivate(join(dir, flow), 'folder');
  };
  return {
    async read(session) {
      await checkPrivate(dir, 'folder');
      await checkPrivateFile(path(session), 'secret');
      try {
        return await readFile(path(session), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw fsUsageError(error, 'read', path(session));
      }
    },
    async write(session, value) {
      await checkFolders(session);
      await writeFileAtomic(path(session), value);
    },
    async delete(session) {
      try {
        await rm(path(session));
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw fsUsageError(error, 'write', path(session));
      }
    },
    async list() {
      const sessions: CachedSession[] = [];
      for (const flow of await readdir(dir).catch(() => [])) {
        const names = await readdir(join(dir, flow)).catch(() => []);
        for (const name of names) if (name.endsWith('.json')) sessions.push({ owner: name.slice(0, -'.json'.length), flow });
      }
      return sessions;
    },
  };
}
