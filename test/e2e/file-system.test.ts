// A config folder ocs-auth cannot write, for the real reasons: permissions that bite (as an
// unprivileged user: root writes anything), a read-only mount (in a private mount namespace)
// and no home at all (a locked-down container user). What needs stored state is the user's to
// fix: exit 2 naming the path, never exit 1. A session wholly in the environment needs none:
// its token is printed, nothing cached, and one line says so (SPEC "Configuration").
// What ocs-auth creates there is the user's alone: folders 0700, secrets and tokens 0600.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chown, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { CLI, hasStackTrace, runCli } from '../helpers/cli.ts';
import { configDir, emulator, envOnly, useE2eFixture } from '../helpers/e2e-fixture.ts';
import { skipWithout } from '../helpers/requirements.ts';
import { asNobody, cliEveryoneCanRun, isRoot, NOBODY } from '../helpers/unprivileged.ts';

useE2eFixture();

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The CLI run through `wrapper` with the four CI variables, file storage and `env` (a value
 * of undefined leaves the variable out), and nothing else but PATH.
 */
async function run(args: string[], wrapper: string[], env: Record<string, string | undefined>, cli = CLI): Promise<Run> {
  const childEnv: Record<string, string> = { PATH: process.env.PATH ?? '' };
  for (const [key, value] of Object.entries(envOnly(env))) if (value !== undefined) childEnv[key] = value;
  try {
    const { stdout, stderr } = await promisify(execFile)(wrapper[0]!, [...wrapper.slice(1), process.execPath, cli, ...args], { env: childEnv });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

/** A token printed although nothing could be cached, and one line on stderr saying where and why. */
function assertTokenUncached(result: Run, why: RegExp): void {
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^[\w.-]+\n$/);
  const lines = result.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0]!, why);
  assert.match(lines[0]!, /not cached/);
}

test('a config folder this user may not write (EACCES): the environment\'s token is printed uncached; a stored session is exit 2 naming it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ocs-auth-eacces-'));
  const { cli, cleanup } = await cliEveryoneCanRun();
  try {
    // Root ignores the mode: run as nobody, who then owns the folder, so that only the mode stops it.
    if (isRoot) await chown(dir, NOBODY, NOBODY);
    const env = { OCS_AUTH_CONFIG_DIR: dir };
    const stored = await run(['login', '--client-credentials'], asNobody, env, cli);
    assert.equal(stored.code, 0, stored.stderr);
    // Every folder in it too: the login made tokens/ and locks/.
    await promisify(execFile)('chmod', ['-R', 'a-w', dir]);
    emulator.resetCounts();

    assertTokenUncached(await run(['token', '--client-credentials'], asNobody, env, cli), new RegExp(`cannot write ${dir}/\\S+: permission denied`));
    assert.equal(emulator.counts.token, 1);
    // Twice: nothing was cached, so the server is asked again.
    assertTokenUncached(await run(['token', '--client-credentials'], asNobody, env, cli), /permission denied/);
    assert.equal(emulator.counts.token, 2);

    // The stored session renews under its lock and keeps what it gets: it needs its folder.
    for (const args of [['token', '--client-credentials', '--force'], ['login', '--client-credentials']]) {
      const result = await run(args, asNobody, { ...env, OCS_CLIENT_SECRET: args[0] === 'token' ? undefined : emulator.confidentialClient.clientSecret }, cli);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`cannot write ${dir}/\\S+: permission denied`));
      assert.ok(!hasStackTrace(result.stderr), result.stderr);
      // The renewal stops at its lock, before asking; a login proves the secret first.
      if (args[0] === 'token') assert.equal(emulator.counts.token, 2);
    }
  } finally {
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a config folder on a read-only file system (EROFS): the environment\'s token is printed uncached', { skip: skipWithout(isRoot, 'a read-only bind mount needs root') }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ocs-auth-erofs-'));
  try {
    // A private mount namespace: the read-only bind mount is seen by this one command alone.
    const script = `mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"`;
    const result = await run(['token', '--client-credentials'], ['unshare', '--mount', 'sh', '-c', script, dir], { OCS_AUTH_CONFIG_DIR: dir });
    assertTokenUncached(result, new RegExp(`cannot write ${dir}/\\S+: read-only file system`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('no writable home (HOME=/nonexistent, a locked-down container user): the four CI variables still give a token, uncached', { skip: skipWithout(isRoot, 'a user without a home needs root to become') }, async () => {
  const { cli, cleanup } = await cliEveryoneCanRun();
  try {
    const env = { HOME: '/nonexistent', OCS_AUTH_CONFIG_DIR: undefined, OCS_AUTH_STORAGE: undefined };
    assertTokenUncached(await run(['token', '--client-credentials'], asNobody, env, cli), /cannot write \/nonexistent: permission denied/);
    // The other commands of a CI job get their token the same way.
    const whoami = await run(['whoami', '--json'], asNobody, env, cli);
    assert.equal(whoami.code, 0, whoami.stderr);
    assert.equal((JSON.parse(whoami.stdout) as { tenant: { id: string } }).tenant.id, emulator.tenantId);
  } finally {
    await cleanup();
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
