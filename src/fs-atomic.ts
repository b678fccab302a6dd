import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsUsageError, makeFolder } from './fs-errors.js';

/**
 * Write a file so that readers see the old content or the new, never half of it, and
 * the file never exists with wider permissions than `mode`, not even for a moment.
 */
export async function writeFileAtomic(path: string, content: string, mode = 0o600): Promise<void> {
  await makeFolder(dirname(path));
  // Imported here: node:crypto costs a cached `ocs-auth token`, which writes nothing, ~5 ms to load.
  const { randomBytes } = await import('node:crypto');
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(temporary, 'wx', mode);
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw fsUsageError(error, 'write', path);
  }
}
