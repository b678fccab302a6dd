import { chmod, cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The user the tests become when a check needs permissions to bite (root reads and writes anything). */
export const NOBODY = 65534;
export const isRoot = process.getuid?.() === 0;

/** The command prefix that runs a program as NOBODY when this is root, and as this user otherwise. */
export const asNobody: string[] = isRoot ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'] : ['env'];

/**
 * The built CLI (bin/, dist/, package.json) copied to a folder every user may enter, so that it
 * runs as NOBODY wherever the checkout lives: under a 0700 folder (a private temporary folder,
 * a home) nobody could not even reach the original. Resolves to the copy's bin/ocs-auth.js.
 */
export async function cliEveryoneCanRun(): Promise<{ cli: string; cleanup: () => Promise<void> }> {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const dir = await mkdtemp(join(tmpdir(), 'ocs-auth-cli-'));
  await chmod(dir, 0o755);
  for (const part of ['bin', 'dist', 'package.json']) await cp(join(root, part), join(dir, part), { recursive: true });
  return { cli: join(dir, 'bin', 'ocs-auth.js'), cleanup: () => rm(dir, { recursive: true, force: true }) };
}
