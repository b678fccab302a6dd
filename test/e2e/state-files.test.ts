// Every state folder and secret file is checked as the config folder is (issue 19): owned by
// the user and writable by no one else, secrets readable by no one else, or exit 2 naming it.
import assert from 'node:assert/strict';
import { chmod, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertFailure, runCli } from '../helpers/cli.ts';
import { configDir, emulator, envOnly, useE2eFixture } from '../helpers/e2e-fixture.ts';

useE2eFixture();

const posix = process.platform !== 'win32';

test('a token cache, lock or cache folder others may write, or a token file others may read, is exit 2 naming it', { skip: !posix }, async () => {
  const env = envOnly({ OCS_AUTH_FLOW: 'client-credentials' });
  assert.equal((await runCli(['token'], { env })).code, 0);
  const [flow] = await readdir(join(configDir, 'tokens'));
  const [file] = await readdir(join(configDir, 'tokens', flow!));
  const cases: Array<[string, number, number, RegExp]> = [
    [join(configDir, 'tokens'), 0o777, 0o700, /is writable by everyone/],
    [join(configDir, 'tokens', flow!), 0o770, 0o700, /is writable by its group/],
    [join(configDir, 'tokens', flow!, file!), 0o640, 0o600, /is readable by its group, and it holds secrets/],
    [join(configDir, 'tokens', flow!, file!), 0o604, 0o600, /is readable by everyone, and it holds secrets/],
  ];
  for (const [path, bad, good, message] of cases) {
    await chmod(path, bad);
    const folder = !path.endsWith('.json');
    // `token --force` reads no cached token: it meets a folder when it writes, while a file it
    // replaces, atomically and 0600, is fixed by it.
    for (const args of [['token'], ['whoami'], ['api', 'Tenants/{tenant}/Namespaces'], ...(folder ? [['token', '--force']] : [])]) {
      const result = await runCli(args, { env });
      assertFailure(result, 2, message);
      assert.ok(result.stderr.includes(`${path} `), `${args.join(' ')} names ${path}: ${result.stderr}`);
    }
    if (!folder) {
      assert.equal((await runCli(['token', '--force'], { env })).code, 0);
      assert.equal((await stat(path)).mode & 0o777, 0o600);
    }
    await chmod(path, good);
  }
  emulator.resetCounts();
  // The lock around a new token, and the discovery cache.
  for (const folder of ['locks', 'cache']) {
    const path = join(configDir, folder);
    await chmod(path, 0o777).catch(() => undefined);
    const result = await runCli(['token', '--force'], { env });
    assertFailure(result, 2, new RegExp(`${path} is writable by everyone`));
    await chmod(path, 0o700).catch(() => undefined);
  }
  assert.equal((await runCli(['token'], { env })).code, 0, 'all well again');
});

test('a credentials file others may read is exit 2 naming it', { skip: !posix }, async () => {
  const path = join(configDir, 'credentials.json');
  await writeFile(join(configDir, 'config.ini'), `[ci]\nresource = ${emulator.resource}\ntenant_id = ${emulator.tenantId}\nclient_id = ${emulator.confidentialClient.clientId}\nflow = client-credentials\nstorage = file\n`, { mode: 0o600 });
  await writeFile(path, JSON.stringify({ version: 1, entries: {} }), { mode: 0o644 });
  await chmod(path, 0o644);
  for (const args of [['status'], ['token', '-p', 'ci']]) {
    const result = await runCli(args, { env: { OCS_AUTH_CONFIG_DIR: configDir } });
    assertFailure(result, 2, new RegExp(`${path} is readable by everyone, and it holds secrets`));
  }
});
