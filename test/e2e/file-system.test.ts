// A config folder ocs-auth cannot write, for the real reasons: permissions that bite (as an
// unprivileged user: root writes anything) and a read-only mount (in a private mount
// namespace). Both are the user's to fix: exit 2 naming the path, never exit 1. And what
// ocs-auth creates there is the user's alone: folders 0700, secrets and tokens 0600.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, chown, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { CLI, hasStackTrace, runCli } from '../helpers/cli.ts';
import { configDir, emulator, envOnly, useE2eFixture } from '../helpers/e2e-fixture.ts';
import { skipWithout } from '../helpers/requirements.ts';
import { asNobody, cliEveryoneCanRun, isRoot, NOBODY } from '../helpers/unprivileged.ts';

useE2eFixture();

/** The CLI's exit code and stderr for `token --client-credentials` run through `wrapper`. */
async function token(configDir: string, wrapper: string[], cli = CLI): Promise<{ code: number; stderr: string }> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
  for (const [key, value] of Object.entries(envOnly({ OCS_AUTH_CONFIG_DIR: configDir }))) if (value !== undefined) env[key] = value;
  try {
    const { stderr } = await promisify(execFile)(wrapper[0]!, [...wrapper.slice(1), process.execPath, cli, 'token', '--client-credentials'], { env });
    return { code: 0, stderr };
  } catch (error) {
    const failure = error as { code: number; stderr: string };
    return { code: failure.code, stderr: failure.stderr };
  }
}

test('a config folder this user may not write (EACCES) is exit 2 naming it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ocs-auth-eacces-'));
  const { cli, cleanup } = await cliEveryoneCanRun();
  try {
    await chmod(dir, 0o500);
    // Root ignores the mode: run as nobody, who then owns the folder, so that only the mode stops it.
    if (isRoot) await chown(dir, NOBODY, NOBODY);
    const result = await token(dir, asNobody, cli);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`cannot write ${dir}/\\S+: permission denied`));
    assert.ok(!hasStackTrace(result.stderr), result.stderr);
  } finally {
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a config folder on a read-only file system (EROFS) is exit 2 naming it', { skip: skipWithout(isRoot, 'a read-only bind mount needs root') }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ocs-auth-erofs-'));
  try {
    // A private mount namespace: the read-only bind mount is seen by this one command alone.
    const script = `mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"`;
    const result = await token(dir, ['unshare', '--mount', 'sh', '-c', script, dir]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, new RegExp(`cannot write ${dir}/\\S+: read-only file system`));
    assert.ok(!hasStackTrace(result.stderr), result.stderr);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the config folder and every state folder in it are created 0700; secrets, tokens and config.ini 0600', async () => {
  // Two levels that do not exist yet: every folder ocs-auth makes on the way is the user's alone.
  const dir = join(configDir, 'home-config', 'ocs-auth');
  const env = { OCS_AUTH_CONFIG_DIR: dir, OCS_AUTH_STORAGE: 'file' };
  const login = await runCli(
    ['login', '--client-credentials', '--resource', emulator.resource, '--tenant-id', emulator.tenantId, '--client-id', emulator.confidentialClient.clientId, '--client-secret-stdin'],
    { env, input: emulator.confidentialClient.clientSecret },
  );
  assert.equal(login.code, 0, login.stderr);
  // A forced renewal takes the session lock: locks/ is made too.
  const token = await runCli(['token', '--force'], { env });
  assert.equal(token.code, 0, token.stderr);

  const modes = new Map<string, number>();
  const folders: Array<[string, number]> = [];
  const walk = async (path: string, name: string): Promise<void> => {
    const info = await stat(path);
    modes.set(name, info.mode & 0o777);
    if (!info.isDirectory()) return;
    folders.push([name, info.mode & 0o777]);
    for (const entry of await readdir(path)) await walk(join(path, entry), `${name}/${entry}`);
  };
  await walk(join(configDir, 'home-config'), 'home-config');
  for (const expected of ['home-config', 'home-config/ocs-auth', 'home-config/ocs-auth/tokens', 'home-config/ocs-auth/tokens/client-credentials', 'home-config/ocs-auth/cache', 'home-config/ocs-auth/locks']) {
    assert.ok(modes.has(expected), `${expected} was made: ${[...modes.keys()].join(', ')}`);
  }
  assert.deepEqual(folders.filter(([, mode]) => mode !== 0o700).map(([name, mode]) => `${name} ${mode.toString(8)}`), [], 'every folder is 0700');
  const secretFiles = [...modes].filter(([name]) => /\/(credentials\.json|config\.ini)$|\/tokens\/.+\.json$/.test(name));
  assert.equal(secretFiles.length, 3, `credentials.json, config.ini and one cached token: ${[...modes.keys()].join(', ')}`);
  assert.deepEqual(secretFiles.filter(([, mode]) => mode !== 0o600).map(([name, mode]) => `${name} ${mode.toString(8)}`), [], 'secrets, tokens and the profile are 0600');
});
