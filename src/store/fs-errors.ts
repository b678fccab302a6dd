import { mkdir, readlink, stat } from './fs-async.js';
import { dirname, resolve } from 'node:path';
import { NotWritableError, UsageError } from '../errors.js';

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

// Why a file the person named (a sample to import, a request body) cannot be read, in words.
const READ_FAILURES: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a folder, not a file',
  ENOTDIR: 'a part of the path is a file, not a folder',
};

/** "cannot read FILE: no such file", never a bare ENOENT. */
export function unreadableFile(error: unknown, path: string, hint?: string): UsageError {
  const reason = READ_FAILURES[(error as NodeJS.ErrnoException).code ?? ''] ?? (error as Error).message;
  return new UsageError(`cannot read ${path}: ${reason}`, { hint, cause: error });
}

/**
 * A UsageError naming `path` for the errors above; any other error unchanged (a bug, or
 * something the caller handles, such as ENOENT or EEXIST).
 */
export function fsUsageError(error: unknown, action: 'read' | 'write', path: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason = code === undefined ? undefined : REASONS[code];
  if (reason === undefined) return error;
  const FsError = action === 'write' ? NotWritableError : UsageError;
  return new FsError(`cannot ${action} ${path}: ${reason}`, {
    hint: 'ocs-auth keeps its config, cache and locks in its config folder: make it writable, or set OCS_AUTH_CONFIG_DIR to a folder you can write',
    cause: error,
  });
}

/**
 * mkdir -p for our folders, mode 0700, failing as a usage error naming the folder. Not
 * Node's recursive mkdir: where the file system refuses a folder with ENOENT although its
 * parent exists (/proc), that one retries forever at full CPU.
 */
export async function makeFolder(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let current = resolve(dir); ; current = dirname(current)) {
    const code = await stat(current).then(
      (info) => (info.isDirectory() ? undefined : 'ENOTDIR'),
      (error: NodeJS.ErrnoException) => error.code ?? 'EIO',
    );
    if (code === undefined) break;
    if (code !== 'ENOENT') throw fsUsageError(Object.assign(new Error(code), { code }), 'write', dir);
    const target = await readlink(current).catch(() => undefined);
    if (target !== undefined) {
      throw new UsageError(`cannot use ${current}: ${current} is a symbolic link to ${resolve(dirname(current), target)}, which does not exist`, {
        hint: 'create the folder it points to, remove the link, or set OCS_AUTH_CONFIG_DIR to another folder',
      });
    }
    missing.unshift(current);
    if (dirname(current) === current) break;
  }
  for (const folder of missing) {
    try {
      await mkdir(folder, { mode: 0o700 });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue; // another process made it meanwhile
      if (code === 'ENOENT') {
        throw new NotWritableError(`cannot write ${folder}: the file system there does not take new folders`, {
          hint: 'set OCS_AUTH_CONFIG_DIR to a folder you can write',
          cause: error,
        });
      }
      throw fsUsageError(error, 'write', folder);
    }
  }
}
