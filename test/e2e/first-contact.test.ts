// What a new user trips over in the first minutes (issue 13): the built CLI as a child
// process, against the emulator where a server is involved.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configDir, useE2eFixture } from '../helpers/e2e-fixture.ts';
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
