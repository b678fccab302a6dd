import { close, link, open, readFile, readlink, rename, stat, unlink, utimes, writeFile } from './fs-async.js';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { InterruptedError, interruptSignal, NetworkError } from '../errors.js';
import { fsUsageError, makeFolder } from './fs-errors.js';
import { checkPrivate } from './private-path.js';
import { randomUUID } from './random-ids.js';

export type Release = () => Promise<void>;

export interface LockOptions {
  /** Give up waiting after this long. */
  maxWaitMs?: number;
  /** How often a holder touches its lock file to show it is alive. */
  heartbeatMs?: number;
  /** A holder elsewhere (another host or container) whose heartbeat stopped this long ago is gone. */
  staleMs?: number;
  /** Aborted on SIGINT/SIGTERM: stop waiting at once. */
  signal?: AbortSignal | undefined;
  /** Told once, when another process holds the lock and the wait begins (for --verbose). */
  onWait?: ((message: string) => void) | undefined;
}

interface Holder {
  id: string;
  pid: number;
  /** Where `pid` means something: the host name and, on Linux, the PID namespace. */
  host: string;
}

const HEARTBEAT_MS = 2_000;
const STALE_MS = 15_000;
const MAX_WAIT_MS = 150_000;
// A lock file still empty after this long belongs to a process that died between creating and writing it.
const UNWRITTEN_GRACE_MS = 2_000;

/**
 * A cross-process lock: a file created with O_EXCL in `dir`. The holder touches it every
 * heartbeatMs while it holds it.
 *
 * A holder on this host (and PID namespace) is waited for as long as its process lives,
 * however long that is: a slow token answer must not let a second refresh spend the same
 * rotating refresh token. Once its process is gone, the lock is taken over at once. A holder
 * elsewhere (a container sharing the config folder) cannot be asked whether it lives, so
 * its heartbeat speaks for it: silent for staleMs, it is taken over.
 *
 * Takeover goes through a second, short-lived lock so two waiters cannot both remove a stale
 * lock and then each other's fresh one.
 */
export async function acquireLock(dir: string, name: string, options: LockOptions = {}): Promise<Release> {
  const path = join(dir, `${name}.lock`);
  const me: Holder = { id: randomUUID(), pid: process.pid, host: await lockHostId() };
  const deadline = Date.now() + (options.maxWaitMs ?? MAX_WAIT_MS);
  const staleMs = options.staleMs ?? STALE_MS;
  await makeFolder(dir);
  // Whoever could write here could hold every lock, or remove ours.
  await checkPrivate(dir, 'folder');

  let announced = false;
  for (;;) {
    throwIfInterrupted(options.signal);
    if (await createExclusive(path, JSON.stringify(me))) return holdLock(path, me, options.heartbeatMs ?? HEARTBEAT_MS);
    if (await isStale(path, me.host, staleMs)) {
      await takeOver(path, me.host, staleMs);
      continue;
    }
    if (!announced && options.onWait) {
      announced = true;
      const holder = await readHolder(path);
      options.onWait(`waiting for another ocs-auth process${holder ? ` (pid ${holder.pid})` : ''} that holds ${path}`);
    }
    if (Date.now() > deadline) {
      const holder = await readHolder(path);
      throw new NetworkError(`gave up waiting for another ocs-auth process${holder ? ` (pid ${holder.pid})` : ''} that holds ${path}`, {
        hint: 'if no other ocs-auth is running, delete the lock file',
      });
    }
    await sleep(20 + Math.random() * 40, undefined, options.signal ? { signal: options.signal } : {}).catch(() => throwIfInterrupted(options.signal));
  }
}

/**
 * Where a process id means something: the host name plus, on Linux, the boot (two machines
 * may share a host name, and every machine's first PID namespace has the same number) and
 * the PID namespace (containers on one machine).
 */
export async function lockHostId(): Promise<string> {
  const boot = await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '');
  const namespace = await readlink('/proc/self/ns/pid').catch(() => '');
  return [hostname(), boot.trim(), namespace].filter(Boolean).join(' ');
}

function holdLock(path: string, me: Holder, heartbeatMs: number): Release {
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => undefined);
  }, heartbeatMs);
  heartbeat.unref();
  return async () => {
    clearInterval(heartbeat);
    // Read-then-unlink could remove a lock someone took over in between: move it out of the
    // way first (atomic), then look at what was moved.
    const released = `${path}.${me.id}.released`;
    try {
      await rename(path, released);
    } catch {
      return;
    }
    if ((await readHolder(released))?.id !== me.id) {
      // Taken over while we were presumed dead: give it back, unless a newer holder came since.
      await link(released, path).catch(() => undefined);
    }
    await unlink(released).catch(() => undefined);
  };
}

function throwIfInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new InterruptedError('interrupted while waiting for another ocs-auth process; nothing was stored', { signal: interruptSignal(signal) });
  }
}

async function createExclusive(path: string, content: string): Promise<boolean> {
  try {
    const file = await open(path, 'wx', 0o600);
    try {
      await writeFile(file, content);
    } finally {
      await close(file);
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw fsUsageError(error, 'write', path);
  }
}

async function takeOver(path: string, host: string, staleMs: number): Promise<void> {
  const guard = `${path}.takeover`;
  if (await createExclusive(guard, String(process.pid))) {
    try {
      if (await isStale(path, host, staleMs)) await unlink(path).catch(() => undefined);
    } finally {
      await unlink(guard).catch(() => undefined);
    }
  } else if (await olderThan(guard, UNWRITTEN_GRACE_MS)) {
    await unlink(guard).catch(() => undefined);
  }
}

async function isStale(path: string, host: string, staleMs: number): Promise<boolean> {
  const holder = await readHolder(path);
  if (!holder) return olderThan(path, UNWRITTEN_GRACE_MS);
  if (holder.host === host) return !isAlive(holder.pid);
  // The file's mtime is the holder's last heartbeat.
  return olderThan(path, staleMs);
}

async function readHolder(path: string): Promise<Holder | undefined> {
  try {
    const holder = JSON.parse(await readFile(path, 'utf8')) as Partial<Holder>;
    if (typeof holder.id === 'string' && typeof holder.pid === 'number' && typeof holder.host === 'string') return holder as Holder;
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
