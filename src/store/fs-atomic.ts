import { close, fsync, open, readdir, rename, rm, stat, writeFile } from './fs-async.js';
import { basename, dirname, join } from 'node:path';
import { fsUsageError, makeFolder } from './fs-errors.js';

// A temporary file older than this was left by a writer that died between open and rename
// (a crash, SIGKILL, power loss): no live writer takes a minute to write a few kilobytes.
const STALE_TEMPORARY_MS = 60_000;

/**
 * Write a file so that readers see the old content or the new, never half of it, and
 * the file never exists with wider permissions than `mode`, not even for a moment.
 *
 * A writer killed before the rename leaves its temporary file behind, mode `mode` (0600
 * for secrets) from its first byte, in our own folder. Nothing can unlink a file for a
 * process that is already dead, so the next write of the same file removes such leftovers.
 */
export async function writeFileAtomic(path: string, content: string, mode = 0o600): Promise<void> {
  const folder = dirname(path);
  await makeFolder(folder);
  // Imported here: a cached `ocs-auth token` writes nothing, and setting up the module's
  // node:crypto stand-in as it loads costs ~0.3 ms.
  const { randomHex } = await import('./random-ids.js');
  const temporary = `${path}.${randomHex(6)}.tmp`;
  try {
    const file = await open(temporary, 'wx', mode);
    try {
      await writeFile(file, content, 'utf8');
      await fsync(file);
    } finally {
      await close(file);
    }
    await replace(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw fsUsageError(error, 'write', path);
  }
  // The rename lives in the folder: without this, a crash soon after may bring back the old file.
  await syncFolder(folder);
  await removeStaleTemporaries(path);
}

// Windows refuses to replace a file that another process holds open without FILE_SHARE_DELETE
// (EPERM; EACCES or EBUSY from some file systems): a virus scanner, a backup or indexing
// service, an editor. Such holds mostly last moments, so the rename is tried again for a while,
// as npm's own atomic writes (graceful-fs) do, before the write fails naming the file.
const REPLACE_RETRY_MS = 5_000;
const HELD_OPEN = new Set(['EPERM', 'EACCES', 'EBUSY']);

async function replace(temporary: string, path: string): Promise<void> {
  const deadline = Date.now() + REPLACE_RETRY_MS;
  for (let pause = 10; ; pause = Math.min(pause * 2, 250)) {
    try {
      return await rename(temporary, path);
    } catch (error) {
      if (process.platform !== 'win32' || !HELD_OPEN.has((error as NodeJS.ErrnoException).code ?? '') || Date.now() + pause > deadline) throw error;
      // Only a held file waits: the module stays off every other write's path.
      const { setTimeout: sleep } = await import('node:timers/promises');
      await sleep(pause);
    }
  }
}

async function syncFolder(folder: string): Promise<void> {
  // Windows cannot open a folder as a file; NTFS journals the rename itself.
  if (process.platform === 'win32') return;
  const descriptor = await open(folder, 'r');
  try {
    await fsync(descriptor);
  } finally {
    await close(descriptor);
  }
}

async function removeStaleTemporaries(path: string): Promise<void> {
  const folder = dirname(path);
  const ours = new RegExp(`^${escapeRegExp(basename(path))}\\.[0-9a-f]{12}\\.tmp$`);
  const names = await readdir(folder).catch(() => []);
  const cutoff = Date.now() - STALE_TEMPORARY_MS;
  for (const name of names.filter((candidate) => ours.test(candidate))) {
    const file = join(folder, name);
    // Best effort: another process may be removing the same leftover.
    const info = await stat(file).catch(() => undefined);
    if (info && info.mtimeMs < cutoff) await rm(file, { force: true }).catch(() => undefined);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
