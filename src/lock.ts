import { randomUUID } from 'node:crypto';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InterruptedError, interruptSignal, NetworkError } from './errors.js';
import { fsUsageError, makeFolder } from './fs-errors.js';

export type Release = () => Promise<void>;

export interface LockOptions {
  /** Give up waiting after this long. */
  maxWaitMs?: number;
  /** A lock this old is abandoned even if its holder seems alive (another host, a hung process). */
  staleMs?: number;
  /** Aborted on SIGINT/SIGTERM: stop waiting at once. */
  signal?: AbortSignal | undefined;
}

interface Holder {
  id: string;
  pid: number;
  host: string;
  at: number;
}

// Token and discovery requests have a 30 s timeout and up to 3 attempts; a holder older than
// this is stuck, not busy.
const STALE_MS = 120_000;
const MAX_WAIT_MS = 150_000;
// A lock file still empty after this long belongs to a process that died between creating and writing it.
const UNWRITTEN_GRACE_MS = 2_000;

/**
 * A cross-process lock: a file created with O_EXCL in `dir`. A lock whose holder died on
 * this host is taken over at once; one that outlived `staleMs` is taken over too. Takeover
 * goes through a second, short-lived lock so two waiters cannot both remove a stale lock
 * and then each other's fresh one.
 */
export async function acquireLock(dir: string, name: string, options: LockOptions = {}): Promise<Release> {
  const path = join(dir, `${name}.lock`);
  const me: Holder = { id: randomUUID(), pid: process.pid, host: hostname(), at: Date.now() };
  const deadline = Date.now() + (options.maxWaitMs ?? MAX_WAIT_MS);
  const staleMs = options.staleMs ?? STALE_MS;
  await makeFolder(dir);

  for (;;) {
    throwIfInterrupted(options.signal);
    if (await createExclusive(path, JSON.stringify(me))) {
      return async () => {
        const holder = await readHolder(path);
        if (holder?.id === me.id) await unlink(path).catch(() => undefined);
      };
    }
    if (await isStale(path, staleMs)) {
      await takeOver(path, staleMs);
      continue;
    }
    if (Date.now() > deadline) {
      throw new NetworkError(`gave up waiting for another ocs-auth process (lock ${path})`, {
        hint: 'if no other ocs-auth is running, delete the lock file',
      });
    }
    await sleep(20 + Math.random() * 40, undefined, options.signal ? { signal: options.signal } : {}).catch(() => throwIfInterrupted(options.signal));
  }
}

function throwIfInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new InterruptedError('interrupted while waiting for another ocs-auth process; nothing was stored', { signal: interruptSignal(signal) });
  }
}

async function createExclusive(path: string, content: string): Promise<boolean> {
  try {
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writeFile(content);
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw fsUsageError(error, 'write', path);
  }
}

async function takeOver(path: string, staleMs: number): Promise<void> {
  const guard = `${path}.takeover`;
  if (await createExclusive(guard, String(process.pid))) {
    try {
      if (await isStale(path, staleMs)) await unlink(path).catch(() => undefined);
    } finally {
      await unlink(guard).catch(() => undefined);
    }
  } else if (await olderThan(guard, UNWRITTEN_GRACE_MS)) {
    await unlink(guard).catch(() => undefined);
  }
}

async function isStale(path: string, staleMs: number): Promise<boolean> {
  const holder = await readHolder(path);
  if (!holder) return olderThan(path, UNWRITTEN_GRACE_MS);
  if (Date.now() - holder.at > staleMs) return true;
  return holder.host === hostname() && !isAlive(holder.pid);
}

async function readHolder(path: string): Promise<Holder | undefined> {
  try {
    const holder = JSON.parse(await readFile(path, 'utf8')) as Partial<Holder>;
    if (typeof holder.id === 'string' && typeof holder.pid === 'number' && typeof holder.host === 'string' && typeof holder.at === 'number') {
      return holder as Holder;
    }
  } catch {
    // missing, half-written or foreign: not a holder
  }
  return undefined;
}

async function olderThan(path: string, ms: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(path)).mtimeMs > ms;
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
