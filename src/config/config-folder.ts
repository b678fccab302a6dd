import { stat } from '../store/fs-async.js';
import { UsageError } from '../errors.js';

/**
 * Refuses a config folder or config.ini that another user could change, as ssh refuses such
 * a ~/.ssh: whoever can edit config.ini can point a profile's resource at their own server,
 * and the next login hands them the secrets. Owned by this user (or root) and writable by
 * no group or other, or exit 2 naming the path and the fix. Windows has no such modes: its
 * profile folders are private by their ACLs.
 */
export async function checkPrivate(path: string, kind: 'folder' | 'file', platform: NodeJS.Platform = process.platform): Promise<void> {
  const uid = process.getuid?.();
  if (platform === 'win32' || uid === undefined) return;
  let owner: number;
  let mode: number;
  try {
    ({ uid: owner, mode } = await stat(path));
  } catch (error) {
    // Missing: nothing to trust yet, and ours will be made 0700/0600. Other errors are the
    // reader's to report, naming what failed.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (owner !== uid && owner !== 0) {
    throw new UsageError(`${path} belongs to another user (uid ${owner}), who could redirect your logins and secrets; refusing to use it`, {
      hint: `chown ${uid} '${path}' if it is yours, or set OCS_AUTH_CONFIG_DIR to a ${kind === 'folder' ? 'folder' : 'folder of'} your own`,
    });
  }
  if ((mode & 0o022) !== 0) {
    throw new UsageError(`${path} is writable by ${mode & 0o002 ? 'everyone' : 'its group'}, who could redirect your logins and secrets; refusing to use it`, {
      hint: `chmod go-w '${path}' (ocs-auth makes its ${kind} ${kind === 'folder' ? '0700' : '0600'})`,
    });
  }
}
