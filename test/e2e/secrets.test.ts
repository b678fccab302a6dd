// No client secret, refresh token or access token in any stderr (--verbose traces and error
// messages included) or in any file outside secret storage, across every command that
// touches one; --verbose shows the requests with them redacted.
import assert from 'node:assert/strict';
import { after, afterEach, test } from 'node:test';
import { configDir, emulator, useE2eFixture } from '../helpers/e2e-fixture.ts';
import { storePkceSession } from '../helpers/pkce-session.ts';
import { SecretWatch } from '../helpers/secret-watch.ts';

const watch = new SecretWatch();
afterEach(() => watch.collect(configDir));
useE2eFixture();
after(() => watch.assertClean());

test('client credentials: configure, login, token, whoami, status, logout and a rejected secret, all with --verbose', async () => {
  const secret = emulator.confidentialClient.clientSecret;
  watch.secret(secret, 'a-wrong-secret-that-is-long');
  const env = { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'file' };
  const profile = ['--resource', emulator.resource, '--tenant-id', emulator.tenantId, '--client-id', emulator.confidentialClient.clientId];
  const ok = async (args: string[], input?: string) => {
    const result = await watch.run(args, { env, ...(input === undefined ? {} : { input }) });
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    return result;
  };

  await ok(['--verbose', 'configure', ...profile, '--client-credentials', '--client-secret-stdin'], secret);
  const login = await ok(['--verbose', 'login', '--client-secret-stdin'], secret);
  assert.match(login.stderr, /client_secret=\*\*\*/);
  const first = await ok(['token', '--verbose', '--force']);
  assert.match(first.stderr, /> POST .*client_secret=\*\*\*/);
  await ok(['token', '--export']);
  await ok(['token', '--header']);
  const whoami = await ok(['--verbose', 'whoami']);
  assert.match(whoami.stderr, /Authorization: Bearer \*\*\*/);
  await ok(['status', '--json']);

  const rejected = await watch.run(['--verbose', 'login', '--client-secret-stdin'], { env, input: 'a-wrong-secret-that-is-long' });
  assert.equal(rejected.code, 4, rejected.stderr);
  await ok(['--verbose', 'logout']);
});

test('PKCE: a refresh with --verbose redacts the old and the new refresh token', async () => {
  const tokens = await storePkceSession(emulator, configDir, 'default');
  watch.secret(tokens.refresh_token, tokens.access_token, tokens.id_token);

  const env = { OCS_AUTH_CONFIG_DIR: configDir };
  const refreshed = await watch.run(['token', '--verbose'], { env });
  assert.equal(refreshed.code, 0, refreshed.stderr);
  assert.match(refreshed.stderr, /grant_type=refresh_token&client_id=\S+&refresh_token=\*\*\*/);
  await watch.collect(configDir); // learns the rotated refresh token before the next runs

  emulator.revokeAllTokens();
  const refused = await watch.run(['token', '--verbose', '--force'], { env });
  assert.equal(refused.code, 3, refused.stderr);
  const whoami = await watch.run(['whoami', '--verbose', '--json'], { env });
  assert.equal(whoami.code, 4, whoami.stderr);
});
