// The real Secret Service (gnome-keyring, set up by test/run.sh), read and written with
// secret-tool the way a person would inspect it. Entries are filed as ocs-auth files them:
// "<config folder namespace>:<owner>/<flow>/<kind>". A secret-tool that fails for any other
// reason than "no such entry" fails the test: a broken keyring must not pass for an empty one.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { shortHash } from '../../src/store/short-hash.ts';

export const keyringSkip = process.env.OCS_AUTH_TEST_KEYRING !== '1' && process.env.CI !== 'true' ? 'no test Secret Service' : false;

export function keychainAccount(configDir: string, account: string): string {
  return `cfg-${shortHash(resolve(configDir))}:${account}`;
}

function secretTool(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = execFile('secret-tool', args, (error, stdout, stderr) => {
      resolvePromise({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    // lookup, search and clear exit without reading stdin: a write to the closed pipe is no
    // failure (the exit code and stderr say how secret-tool fared), and must not kill the runner.
    child.stdin!.on('error', () => {});
    child.stdin!.end(input ?? '');
  });
}

/** The entry's value, or undefined when there is none. */
export async function keychainLookup(configDir: string, account: string): Promise<string | undefined> {
  const result = await secretTool(['lookup', 'service', 'ocs-auth', 'username', keychainAccount(configDir, account)]);
  if (result.code === 0) return result.stdout;
  if (result.code === 1 && result.stderr === '') return undefined;
  throw new Error(`secret-tool lookup failed (${result.code}): ${result.stderr}`);
}

export async function keychainStore(configDir: string, account: string, value: string): Promise<void> {
  const result = await secretTool(['store', '--label', 'test', 'service', 'ocs-auth', 'username', keychainAccount(configDir, account)], value);
  if (result.code !== 0) throw new Error(`secret-tool store failed (${result.code}): ${result.stderr}`);
}

export async function keychainClear(configDir: string, account: string): Promise<void> {
  await secretTool(['clear', 'service', 'ocs-auth', 'username', keychainAccount(configDir, account)]);
}

/** Every ocs-auth entry of every config folder, by its keychain account name. */
export async function keychainAccounts(): Promise<string[]> {
  const result = await secretTool(['search', '--all', 'service', 'ocs-auth']);
  if (result.code !== 0 && !(result.code === 1 && result.stderr === '')) throw new Error(`secret-tool search failed (${result.code}): ${result.stderr}`);
  return [...`${result.stdout}\n${result.stderr}`.matchAll(/^attribute\.username = (.*)$/gm)].map((match) => match[1]!);
}
