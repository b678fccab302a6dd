import { dirname } from 'node:path';
import { stat } from './fs-async.js';
import { UntrustedPathError } from '../errors.js';

/**
 * Refuses a folder or file of ocs-auth's that another user could change, as ssh refuses such
 * a ~/.ssh: whoever can edit config.ini can point a profile's resource at their own server,
 * and the next login hands them the secrets; whoever can write in tokens/, cache/ or locks/
 * can swap a cached token or discovery document, or hold the locks. Owned by this user (or
 * root) and writable by no group or other, or exit 2 naming the path and the fix. A `secret`
 * file (credentials.json, a cached token) must also be readable by no one else: 0600. Windows
 * has no such modes: its profile folders are private by their ACLs.
 */
export async function checkPrivate(path: string, kind: 'folder' | 'file' | 'secret', platform: NodeJS.Platform = process.platform): Promise<void> {
  const uid = process.getuid?.();
  if (platform === 'win32' || uid === undefined) return;
  let owner: number;
  let mode: number;
  try {
    ({ uid: owner, mode } = await stat(path));
  } catch {
    // Missing: nothing to trust yet, and ours will be made 0700/0600. Anything else (not a
    // folder, no access) fails the read or write that follows, which reports it naming the path.
    return;
  }
  const ours = kind === 'folder' ? '0700' : '0600';
  if (owner !== uid && owner !== 0) {
    throw new UntrustedPathError(`${path} belongs to another user (uid ${owner}), who could redirect your logins and secrets; refusing to use it`, {
      hint: `chown ${uid} '${path}' if it is yours, or set OCS_AUTH_CONFIG_DIR to a ${kind === 'folder' ? 'folder' : 'folder of'} your own`,
    });
  }
  if ((mode & 0o022) !== 0) {
    throw new UntrustedPathError(`${path} is writable by ${mode & 0o002 ? 'everyone' : 'its group'}, who could redirect your logins and secrets; refusing to use it`, {
      hint: `chmod go-w '${path}' (ocs-auth makes its ${kind === 'folder' ? 'folders' : 'files'} ${ours})`,
    });
  }
  if (kind === 'secret' && (mode & 0o044) !== 0) {
    throw new UntrustedPathError(`${path} is readable by ${mode & 0o004 ? 'everyone' : 'its group'}, and it holds secrets; refusing to use it`, {
      hint: `chmod 600 '${path}', and log in again if others may have read it`,
    });
  }
}

/** checkPrivate for a file and, first, the folder that holds it: whoever can write there can swap the file. */
export async function checkPrivateFile(path: string, kind: 'file' | 'secret', platform: NodeJS.Platform = process.platform): Promise<void> {
  await checkPrivate(dirname(path), 'folder', platform);
  await checkPrivate(path, kind, platform);
}
