// What a server, or a mistyped setting, must not be able to do to ocs-auth: drive the
// terminal with escape sequences in its text, flood it with an endless body, or give it a
// timeout that means nothing.
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startEmulator } from '../emulator/index.ts';
import { assertFailure, clientCredentialsEnv, runCli, tempConfigDir } from '../helpers/cli.ts';
import { storePkceSession } from '../helpers/pkce-session.ts';
import { configDir, emulator, envOnly, useE2eFixture } from '../helpers/e2e-fixture.ts';

useE2eFixture();

// Sets the window title, then clears the screen; then a carriage return and backspaces, which are
// no escape sequence, yet overwrite what the line said before them.
const HOSTILE = '\u001b]0;pwned\u0007\u001b[2J\r\u0008\u0008\u0007';
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

test("a server's error_description reaches stderr without its escape sequences", async () => {
  emulator.addFault({ route: 'token', status: 401, body: JSON.stringify({ error: 'invalid_client', error_description: `bad client${HOSTILE} \u009b31mred ünïcødé ✓` }) });
  const result = await runCli(['token', '--client-credentials'], { env: envOnly() });
  assertFailure(result, 4, /invalid_client: bad client/);
  assert.doesNotMatch(result.stderr, CONTROL, JSON.stringify(result.stderr));
  assert.match(result.stderr, /ünïcødé ✓/, 'printable Unicode stays');
});

test("a tenant name from the API is shown by whoami without its escape sequences", async () => {
  const hostile = await startEmulator({ tenantName: `Evil${HOSTILE}Corp` });
  const { dir, cleanup } = await tempConfigDir();
  try {
    const result = await runCli(['whoami'], { env: clientCredentialsEnv(hostile, dir) });
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout, CONTROL, JSON.stringify(result.stdout));
    assert.match(result.stdout, /EvilCorp/);
    const json = await runCli(['whoami', '--json'], { env: clientCredentialsEnv(hostile, dir) });
    assert.equal((JSON.parse(json.stdout) as { tenant: { name: string } }).tenant.name, `Evil${HOSTILE}Corp`, 'JSON carries the data as it came, escaped by JSON itself');
  } finally {
    await cleanup();
    await hostile.close();
  }
});

test('a user name and email from the token are shown by status without their escape sequences', async () => {
  const hostile = await startEmulator({ userName: `Alice${HOSTILE}Example`, userEmail: `alice${HOSTILE}@example.com` });
  const { dir, cleanup } = await tempConfigDir();
  try {
    await storePkceSession(hostile, dir, 'user');
    const env = { OCS_AUTH_CONFIG_DIR: dir };
    assert.equal((await runCli(['token', '-p', 'user'], { env })).code, 0, 'the access token is cached');
    const result = await runCli(['status'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout, CONTROL, JSON.stringify(result.stdout));
    assert.match(result.stdout, /logged in as AliceExample <alice@example\.com>/);
    const json = await runCli(['status', '--json'], { env });
    assert.equal((JSON.parse(json.stdout) as { profiles: { user: string }[] }).profiles[0]!.user, `Alice${HOSTILE}Example <alice${HOSTILE}@example.com>`, 'JSON carries the data as it came');
  } finally {
    await cleanup();
    await hostile.close();
  }
});

test('OCS_AUTH_HTTP_TIMEOUT outside whole seconds 1-300 is a usage error naming the variable and the range', async () => {
  for (const value of ['-1', 'abc', '0', '1e9', '301', '2.5', '0x10']) {
    const result = await runCli(['token', '--client-credentials'], { env: envOnly({ OCS_AUTH_HTTP_TIMEOUT: value }) });
    assertFailure(result, 2, /OCS_AUTH_HTTP_TIMEOUT must be a whole number of seconds from 1 to 300/);
  }
  assert.equal(emulator.counts.token, 0, 'nothing was asked of the server');
  const fine = await runCli(['token', '--client-credentials'], { env: envOnly({ OCS_AUTH_HTTP_TIMEOUT: '300' }) });
  assert.equal(fine.code, 0, fine.stderr);
});

test('an answer over 1 MiB is a network failure (exit 5), not read to its end', async () => {
  emulator.addFault({ route: 'discovery', status: 200, body: `{"issuer":"${'x'.repeat(1024 * 1024)}"}`, times: 1 });
  assertFailure(await runCli(['token', '--client-credentials'], { env: envOnly() }), 5, /answered with more than 1 MiB/);
  // Discovery answers normally now (and is cached): the token endpoint floods.
  emulator.addFault({ route: 'token', status: 200, body: JSON.stringify({ access_token: 'a', token_type: 'Bearer', expires_in: 60, padding: 'x'.repeat(2 * 1024 * 1024) }) });
  assertFailure(await runCli(['token', '--client-credentials'], { env: envOnly() }), 5, /answered with more than 1 MiB/);
});

// RFC 6750 b64token: what a bearer token may hold. These hold a terminal escape, a NUL, a space, a quote.
const BAD_TOKENS = [`eyJ.${HOSTILE}.sig`, 'eyJhbGc\u0000rest-of-token', 'two words', "it's'; touch /tmp/x; '"];

test('an access token with characters a bearer token cannot hold is exit 5: not printed in any shape, not handed to exec, not in the error', async () => {
  for (const bad of BAD_TOKENS) {
    for (const args of [['token'], ['token', '--header'], ['token', '--export'], ['token', '--json'], ['exec', '--', process.execPath, '-e', 'process.stdout.write("child ran")'], ['whoami']]) {
      emulator.clearFaults();
      emulator.addFault({ route: 'token', status: 200, body: JSON.stringify({ access_token: bad, token_type: 'Bearer', expires_in: 3600 }) });
      const result = await runCli(args, { env: envOnly({ OCS_AUTH_FLOW: 'client-credentials' }) });
      assertFailure(result, 5, /access_token .*RFC 6750/);
      for (const part of bad.split(/[\u0000\u001b\u0007 ']/).filter((piece) => piece.length >= 3)) {
        assert.ok(!result.stderr.includes(part), `${args.join(' ')}: stderr holds the token: ${JSON.stringify(result.stderr)}`);
      }
    }
  }
});

test('a cached access token with characters a bearer token cannot hold is not served, by the fast path either: a fresh token replaces it', async () => {
  const env = envOnly({ OCS_AUTH_FLOW: 'client-credentials' });
  const first = await runCli(['token'], { env });
  assert.equal(first.code, 0, first.stderr);
  const [flow] = await readdir(join(configDir, 'tokens'));
  const [file] = await readdir(join(configDir, 'tokens', flow!));
  const path = join(configDir, 'tokens', flow!, file!);
  for (const bad of BAD_TOKENS) {
    const cached = JSON.parse(await readFile(path, 'utf8')) as { access_token: string };
    await writeFile(path, JSON.stringify({ ...cached, access_token: bad }), { mode: 0o600 });
    emulator.resetCounts();
    const result = await runCli(['token'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^[A-Za-z0-9\-._~+/]+=*\n$/);
    assert.equal(emulator.counts.token, 1, 'a fresh token was fetched');
  }
});

test("-p toString, constructor or __proto__ is no profile (exit 2), never one of Object.prototype's", async () => {
  await writeFile(join(configDir, 'config.ini'), '[default]\nflow = pkce\n', { mode: 0o600 });
  for (const name of ['toString', 'constructor', 'hasOwnProperty']) {
    assertFailure(await runCli(['token', '-p', name], { env: { OCS_AUTH_CONFIG_DIR: configDir } }), 2, new RegExp(`profile "${name}" does not exist`));
  }
  assertFailure(await runCli(['token', '-p', '__proto__'], { env: { OCS_AUTH_CONFIG_DIR: configDir } }), 2, /invalid profile name "__proto__"/);
});
