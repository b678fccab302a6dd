// What a new user trips over in the first minutes (issue 13): the built CLI as a child
// process, against the emulator where a server is involved.
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { configDir, emulator, envOnly, useE2eFixture } from '../helpers/e2e-fixture.ts';
import { assertFailure, runCli } from '../helpers/cli.ts';

useE2eFixture();

test('bare `ocs-auth` prints its help on stdout with exit 0, as gh does', async () => {
  const result = await runCli([], { env: { OCS_AUTH_CONFIG_DIR: configDir } });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^Usage: ocs-auth/);
  assert.equal(result.stderr, '');
});

test('an unknown command suggests only a plausible typo', async () => {
  const bogus = await runCli(['bogus'], { env: { OCS_AUTH_CONFIG_DIR: configDir } });
  assertFailure(bogus, 2, /unknown command 'bogus'/);
  assert.doesNotMatch(bogus.stderr, /Did you mean/);
  const typo = await runCli(['tokn'], { env: { OCS_AUTH_CONFIG_DIR: configDir } });
  assertFailure(typo, 2, /\(Did you mean token\?\)/);
});

test("a usage error points to the subcommand's own help", async () => {
  const result = await runCli(['token', '--bogus'], { env: { OCS_AUTH_CONFIG_DIR: configDir } });
  assertFailure(result, 2, /unknown option '--bogus'\n\(see ocs-auth token --help\)\n$/);
});

async function writeConfig(text: string): Promise<void> {
  await writeFile(join(configDir, 'config.ini'), text, { mode: 0o600 });
}

const TWO_PROFILES = (resource: string) => `[staging]\nresource = ${resource}\ntenant_id = t\nclient_id = c\n\n[prod]\nresource = ${resource}\ntenant_id = t\nclient_id = c\n`;

test('an unknown profile is exit 2 naming the profiles that exist, closest first, even with a complete environment', async () => {
  await writeConfig(TWO_PROFILES(emulator.resource));
  for (const [args, extra] of [
    [['token', '-p', 'prdo'], {}],
    [['whoami'], { OCS_AUTH_PROFILE: 'prdo' }],
    [['exec', '-p', 'prdo', '--', 'true'], {}],
  ] as const) {
    const result = await runCli([...args], { env: envOnly(extra) });
    assertFailure(result, 2, /profile "prdo" does not exist/);
    assert.match(result.stderr, /prod, staging/, result.stderr);
  }
  assert.equal(emulator.counts.token, 0);
  // No profile named: the environment alone still works.
  const envSession = await runCli(['token'], { env: envOnly() });
  assert.equal(envSession.code, 0, envSession.stderr);
});

test('logout of an unknown profile is exit 2, not "was not logged in"', async () => {
  await writeConfig(TWO_PROFILES(emulator.resource));
  assertFailure(await runCli(['logout', '-p', 'prdo'], { env: envOnly() }), 2, /profile "prdo" does not exist.*\n.*prod, staging/);
});

test('logout --all wipes what is stored even when config.ini is broken', async () => {
  const token = await runCli(['token'], { env: envOnly() });
  assert.equal(token.code, 0, token.stderr);
  await writeConfig('this is not ini\n');
  const result = await runCli(['logout', '--all'], { env: envOnly() });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /config\.ini/);
  assert.match(result.stderr, /Logged out of env-/);
  assert.deepEqual(await readdir(join(configDir, 'tokens', 'client-credentials')).catch(() => []), []);
});
