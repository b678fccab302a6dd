// No client secret, refresh token or access token in any stderr (--verbose traces and error
// messages included) or in any file outside secret storage, across every command that
// touches one; --verbose shows the requests with them redacted, every field the redaction
// list names seen as *** in a real login's trace.
import assert from 'node:assert/strict';
import { after, afterEach, test } from 'node:test';
import { SECRET_FORM_FIELDS } from '../../src/flows/http-client.ts';
import { approveDeviceCode } from '../helpers/device-approval.ts';
import { completeBrowserLogin } from '../helpers/browser-login.ts';
import { closedPort, type CliOptions } from '../helpers/cli.ts';
import { configDir, emulator, pkceEnv, useE2eFixture } from '../helpers/e2e-fixture.ts';
import { storePkceSession } from '../helpers/pkce-session.ts';
import { SecretWatch } from '../helpers/secret-watch.ts';

const watch = new SecretWatch();
afterEach(() => watch.collect(configDir));
// A one-second device-code interval: the device login below polls at the server's pace.
useE2eFixture({ deviceFlow: { interval: 1 } });
after(() => watch.assertClean());

/** Every form field a --verbose trace in this file showed as ***. */
const redacted = new Set<string>();
const traced = async (args: string[], options: CliOptions) => {
  const result = await watch.run(args, options);
  for (const line of result.stderr.split('\n').filter((text) => text.startsWith('> POST '))) {
    for (const [, field] of line.matchAll(/[ &]([a-z_]+)=\*\*\*/g)) redacted.add(field!);
  }
  return result;
};
// The list and the logins below stay in step: a field on the list that no real login sends is not proven redacted.
after(() => assert.deepEqual([...SECRET_FORM_FIELDS].filter((field) => !redacted.has(field)), [], `fields redacted in the traces: ${[...redacted].join(', ')}`));

/** Learns the form secrets the emulator received (codes, verifiers, device codes), which ocs-auth never prints. */
const learnSentSecrets = () => {
  for (const request of emulator.requests) {
    for (const field of ['code', 'code_verifier', 'device_code', 'refresh_token', 'token']) watch.secret(request.body?.[field]);
  }
};

test('client credentials: configure, login, token, whoami, status, logout and a rejected secret, all with --verbose', async () => {
  const secret = emulator.confidentialClient.clientSecret;
  watch.secret(secret, 'a-wrong-secret-that-is-long');
  const env = { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'file' };
  const profile = ['--resource', emulator.resource, '--tenant-id', emulator.tenantId, '--client-id', emulator.confidentialClient.clientId];
  const ok = async (args: string[], input?: string) => {
    const result = await traced(args, { env, ...(input === undefined ? {} : { input }) });
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

  const rejected = await traced(['--verbose', 'login', '--client-secret-stdin'], { env, input: 'a-wrong-secret-that-is-long' });
  assert.equal(rejected.code, 4, rejected.stderr);
  await ok(['--verbose', 'logout']);
});

test('PKCE: a refresh with --verbose redacts the old and the new refresh token', async () => {
  const tokens = await storePkceSession(emulator, configDir, 'default');
  watch.secret(tokens.refresh_token, tokens.access_token, tokens.id_token);

  const env = { OCS_AUTH_CONFIG_DIR: configDir };
  const refreshed = await traced(['token', '--verbose'], { env });
  assert.equal(refreshed.code, 0, refreshed.stderr);
  assert.match(refreshed.stderr, /grant_type=refresh_token&client_id=\S+&refresh_token=\*\*\*/);
  await watch.collect(configDir); // learns the rotated refresh token before the next runs

  emulator.revokeAllTokens();
  const refused = await traced(['token', '--verbose', '--force'], { env });
  assert.equal(refused.code, 3, refused.stderr);
  const whoami = await traced(['whoami', '--verbose', '--json'], { env });
  assert.equal(whoami.code, 4, whoami.stderr);
});

test('PKCE: a browser login in Chromium, a refresh and a logout with --verbose redact code, code_verifier, refresh_token and token', async () => {
  const port = await closedPort();
  const redirectUri = `http://127.0.0.1:${port}/callback.html`;
  emulator.registerRedirectUri(redirectUri);
  const env = pkceEnv();
  let stderr = '';
  let found: (url: string) => void = () => {};
  let failed: (error: Error) => void = () => {};
  const url = new Promise<string>((resolve, reject) => ((found = resolve), (failed = reject)));
  const login = traced(['login', '--pkce', '--verbose', '--no-browser', '--redirect-uri', redirectUri, '--scope', 'openid ocsapi offline_access'], {
    env,
    onStderr: (text) => {
      stderr += text;
      const match = /^\s+(http:\/\/\S+\/connect\/authorize\?\S+)$/m.exec(stderr);
      if (match) found(match[1]!);
    },
  });
  // A CLI that fails before printing the URL must fail the test, not hang it.
  void login.then((result) => failed(new Error(`no URL; exit ${result.code}: ${result.stderr}`)));
  await completeBrowserLogin(await url, emulator.user);
  const result = await login;
  learnSentSecrets();
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /> POST \S+\/connect\/token grant_type=authorization_code&client_id=\S+&code=\*\*\*&code_verifier=\*\*\*&redirect_uri=/);
  await watch.collect(configDir); // learns the refresh token and the access token

  const refreshed = await traced(['token', '--force', '--verbose'], { env });
  assert.equal(refreshed.code, 0, refreshed.stderr);
  assert.match(refreshed.stderr, /refresh_token=\*\*\*/);
  await watch.collect(configDir); // the rotated refresh token

  const logout = await traced(['logout', '--verbose'], { env });
  assert.equal(logout.code, 0, logout.stderr);
  assert.match(logout.stderr, /> POST \S+\/connect\/revocation token=\*\*\*&token_type_hint=refresh_token/);
});

test('device code: a login with --verbose redacts the device code it polls with', async () => {
  const env = pkceEnv({ OCS_CLIENT_ID: emulator.deviceClient.clientId });
  let stderr = '';
  let found: (shown: { uri: string; code: string }) => void = () => {};
  let failed: (error: Error) => void = () => {};
  const shown = new Promise<{ uri: string; code: string }>((resolve, reject) => ((found = resolve), (failed = reject)));
  const login = traced(['login', '--device-code', '--verbose'], {
    env,
    onStderr: (text) => {
      stderr += text;
      const uri = /open this page in a browser.*\n\s+(http\S+)\n/.exec(stderr)?.[1];
      const code = /enter the code:\s+(\S+)/.exec(stderr)?.[1];
      if (uri && code) found({ uri, code });
    },
  });
  // A CLI that fails before showing the code must fail the test, not hang it.
  void login.then((result) => failed(new Error(`no code shown; exit ${result.code}: ${result.stderr}`)));
  const { uri, code } = await shown;
  await approveDeviceCode(uri, code, emulator.user);
  const result = await login;
  learnSentSecrets();
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /> POST \S+\/connect\/token grant_type=\S+&device_code=\*\*\*&/);
});
