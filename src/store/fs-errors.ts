import { mkdir } from 'node:fs/promises';
import { UsageError } from '../errors.js';

// What the file system answers when the config folder cannot hold our files: the user's to
// fix (permissions, a read-only mount, a file where a folder should be), so exit 2 naming
// the path, not exit 1 "unexpected failure".
const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
};

/**
 * A UsageError naming `path` for the errors above; any other error unchanged (a bug, or
 * something the caller handles, such as ENOENT or EEXIST).
 */
export function fsUsageError(error: unknown, action: 'read' | 'write', path: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason = code === undefined ? undefined : REASONS[code];
  if (reason === undefined) return error;
  return new UsageError(`cannot ${action} ${path}: ${reason}`, {
    hint: 'ocs-auth keeps its config, cache and locks in its config folder: make it writable, or set OCS_AUTH_CONFIG_DIR to a folder you can write',
    cause: error,
  });
}

/** mkdir -p for our folders, mode 0700, failing as a usage error naming the folder. */
export async function makeFolder(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    // mkdir -p answers EEXIST when a file stands where a folder of the path should be.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw fsUsageError(Object.assign(error as Error, { code: 'ENOTDIR' }), 'write', dir);
    // Node's recursive mkdir answers ENOENT on a read-only file system; a plain mkdir of the
    // last step, whose parent exists by now, names the real cause (EROFS).
    if (code === 'ENOENT') await mkdir(dir, { mode: 0o700 }).catch((plain: unknown) => Promise.reject(fsUsageError(plain, 'write', dir)));
    throw fsUsageError(error, 'write', dir);
  }
}
