import { join } from 'node:path';
import { writeFileAtomic } from './fs-atomic.js';
import { readdir, readFile, unlink } from './fs-async.js';
import { fsUsageError } from './fs-errors.js';
import { checkPrivate, checkPrivateFile } from './private-path.js';

// A secret too long for one keychain entry (Windows: 1,280 characters), kept in the state
// folder (the config folder; Windows: under %LOCALAPPDATA%) encrypted with AES-256-GCM. The
// key lives only in the keychain entry, in a pointer that also names the file:
// `ocs-auth-sealed:v1:<file>:<key>`.
//
// Every write makes a new key and a new file and never changes a file once written, so the
// pointer (one keychain value, replaced atomically) decides alone what a reader gets: the old
// pointer with its whole old file, or the new with its whole new one. GCM's tag turns a
// damaged or swapped file into "nothing", never into another secret.
//
// node:crypto is loaded on use: reading an entry that is no pointer needs none of it.

const POINTER_PREFIX = 'ocs-auth-sealed:v1:';
const FOLDER = 'sealed';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface Pointer {
  /** The file's name in the sealed folder: "<entry's group>-<random>.sealed". */
  file: string;
  key: Buffer;
}

/** Whether an entry's value is a pointer, rather than a secret itself (or an entry of an earlier ocs-auth). */
export function isPointer(value: string): boolean {
  return value.startsWith(POINTER_PREFIX);
}

/** The pointer an entry's value is, or undefined when it is none (or a damaged one). */
export function parsePointer(value: string): Pointer | undefined {
  if (!isPointer(value)) return undefined;
  const match = /^([0-9a-f]{16}-[0-9a-f]{32}\.sealed):([A-Za-z0-9_-]{43})$/.exec(value.slice(POINTER_PREFIX.length));
  return match ? { file: match[1]!, key: Buffer.from(match[2]!, 'base64url') } : undefined;
}

export function formatPointer(pointer: Pointer): string {
  return `${POINTER_PREFIX}${pointer.file}:${pointer.key.toString('base64url')}`;
}

/**
 * Encrypts `value` into a new file whose name starts with `group` (a digest of the keychain
 * entry's name), so that removing the entry can sweep every file it ever pointed to.
 */
export async function seal(stateDir: string, group: string, value: string): Promise<Pointer> {
  const { createCipheriv, randomBytes } = await import('node:crypto');
  const pointer = { file: `${group}-${randomBytes(16).toString('hex')}.sealed`, key: randomBytes(32) };
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', pointer.key, iv);
  // The file: IV, ciphertext, tag; base64, one line.
  const sealed = Buffer.concat([iv, cipher.update(value, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  // Whoever could write in the folder could delete or swap files: a logout, a rotated refresh token lost.
  await checkPrivate(join(stateDir, FOLDER), 'folder');
  await writeFileAtomic(join(stateDir, FOLDER, pointer.file), `${sealed.toString('base64')}\n`);
  return pointer;
}

/**
 * The secret the pointer's file holds; MISSING when there is no such file (a later write
 * replaced it meanwhile, or someone deleted it); undefined when it does not open under the
 * pointer's key (damaged, truncated, another file put in its place).
 */
export async function unseal(stateDir: string, pointer: Pointer): Promise<string | undefined | typeof MISSING> {
  const path = join(stateDir, FOLDER, pointer.file);
  let sealed: Buffer;
  try {
    await checkPrivateFile(path, 'secret');
    sealed = Buffer.from(await readFile(path, 'utf8'), 'base64');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return MISSING;
    throw fsUsageError(error, 'read', path);
  }
  if (sealed.length < IV_BYTES + TAG_BYTES) return undefined;
  const { createDecipheriv } = await import('node:crypto');
  try {
    const decipher = createDecipheriv('aes-256-gcm', pointer.key, sealed.subarray(0, IV_BYTES));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

export const MISSING = Symbol('missing');

/**
 * Removes the file of a value just replaced. Best effort: the new value is stored by then, and
 * a file left behind (Windows refusing to delete one a reader holds open, say) is no reason to
 * fail the command; deleting the entry sweeps it.
 */
export async function removeReplaced(stateDir: string, file: string): Promise<void> {
  await unlink(join(stateDir, FOLDER, file)).catch(() => undefined);
}

/**
 * Removes every sealed file of a group (an entry being deleted): a write that lost a race to
 * another leaves its file behind, and logout must leave nothing. The folder itself stays: a
 * writer may have just made it and be about to write into it. Best effort once the entry is
 * gone, as for a replaced value: a file Windows will not delete while a reader holds it open
 * is noise without its key, and the next removal of the group sweeps it.
 */
export async function removeGroup(stateDir: string, group: string): Promise<void> {
  const folder = join(stateDir, FOLDER);
  const names = await readdir(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw fsUsageError(error, 'read', folder);
  });
  for (const name of names.filter((file) => file.startsWith(`${group}-`))) await unlink(join(folder, name)).catch(() => undefined);
}
