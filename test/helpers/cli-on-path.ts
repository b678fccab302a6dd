import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from './cli.ts';
import { quoteSh } from '../../src/commands/token-output.ts';

/**
 * A folder holding an `ocs-auth` command that runs the built CLI with this Node, as an
 * installed package would: for shells that call `ocs-auth` by name (eval "$(…)",
 * completion scripts listing profiles).
 */
export async function cliOnPath(): Promise<{ dir: string; path: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'ocs-auth-bin-'));
  const command = join(dir, 'ocs-auth');
  await writeFile(command, `#!/bin/sh\nexec ${quoteSh(process.execPath)} ${quoteSh(CLI)} "$@"\n`);
  await chmod(command, 0o755);
  return { dir, path: `${dir}:${process.env.PATH ?? ''}`, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
