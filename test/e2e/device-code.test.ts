// `ocs-auth login --device-code` end to end (RFC 8628): the built CLI as a child process polls
// the emulator while real headless Chromium enters the code it printed, as a person would.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { approveDeviceCode } from '../helpers/device-approval.ts';
import { assertFailure, CLI, hasStackTrace, runCli, type CliResult } from '../helpers/cli.ts';
import { configDir, emulator, storedEntries, useE2eFixture } from '../helpers/e2e-fixture.ts';

// A one-second interval keeps the polling tests short; the flow takes whatever the server says.
useE2eFixture({ deviceFlow: { interval: 1 } });
// A test that fails mid-login must not leave its CLI polling into the next test's counts.
const running = new Set<() => void>();
afterEach(() => {
  for (const stop of running) stop();
  running.clear();
});

const OFFLINE = 'openid ocsapi offline_access';

function deviceEnv(on: Emulator = emulator, extra: Record<string, string> = {}): Record<string, string> {
  return {
    OCS_RESOURCE: on.resource,
    OCS_TENANT_ID: on.tenantId,
    OCS_CLIENT_ID: on.deviceClient.clientId,
    OCS_AUTH_CONFIG_DIR: configDir,
    OCS_AUTH_STORAGE: 'file',
    ...extra,
  };
}

interface Shown {
  verificationUri: string;
  userCode: string;
  complete: string;
}

interface Running {
  /** The codes, as a person reads them off stderr. */
  shown: Promise<Shown>;
  /** What the CLI has printed on stderr so far. */
  stderr(): string;
  done: Promise<CliResult>;
  kill(signal: NodeJS.Signals): void;
}

function startLogin(args: string[], env: Record<string, string> = deviceEnv()): Running {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OCS_') && key !== 'BROWSER'));
  const child = spawn(process.execPath, [CLI, 'login', ...args], { env: { ...clean, ...env } as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let found: (shown: Shown) => void = () => {};
  let failed: (error: Error) => void = () => {};
  const shown = new Promise<Shown>((resolve, reject) => ((found = resolve), (failed = reject)));
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
    const uri = /open this page in a browser.*\n\s+(http\S+)\n/.exec(stderr)?.[1];
    const code = /enter the code:\s+(\S+)/.exec(stderr)?.[1];
    // The emulator always gives the complete URI too: wait for its line, which comes last.
    const complete = /which has the code in it:\n\s+(http\S+)\n/.exec(stderr)?.[1];
    if (uri && code && complete) found({ verificationUri: uri, userCode: code, complete });
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const stop = () => child.kill('SIGKILL');
  running.add(stop);
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => {
      running.delete(stop);
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  // A CLI that fails before showing the code must fail the test, not hang it.
  void done.then((result) => failed(new Error(`no code shown; exit ${result.code}: ${result.stderr}`)));
  shown.catch(() => {});
  return { shown, done, stderr: () => stderr, kill: (signal) => child.kill(signal) };
}

function refreshTokenOf(entries: Record<string, string>): { value: string; binding: { issuer: string; client_id: string; tenant_id: string } } {
  const raw = entries['default/device-code/refresh-token'];
  assert.ok(raw, `a refresh token is stored under default/device-code: ${Object.keys(entries).join(', ')}`);
  return JSON.parse(raw) as { value: string; binding: { issuer: string; client_id: string; tenant_id: string } };
}

test('login --device-code shows the code, a person enters it in Chromium, the tokens are stored; token, token --force, status and logout follow', async () => {
  const login = startLogin(['--device-code', '--scope', OFFLINE]);
  const shown = await login.shown;
  assert.equal(new URL(shown.verificationUri).origin, emulator.resource);
  assert.equal(new URL(shown.complete).searchParams.get('user_code'), shown.userCode, 'the complete URI carries the code');
  const page = await approveDeviceCode(shown.verificationUri, shown.userCode, emulator.user);
  assert.match(page, /success/i);
  const result = await login.done;
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, '', 'stdout stays data only');
  assert.match(result.stderr, /Logged in to tenant "Emulated Company" \(.+\) as Alice Example <alice@example\.com> \[profile default\]/);
  assert.doesNotMatch(result.stderr, /█|Press Enter/, 'no QR code and no offer to open a browser without a terminal');

  const authorization = emulator.requests.find((request) => request.route === 'deviceauthorization');
  assert.equal(authorization?.body?.client_id, emulator.deviceClient.clientId);
  assert.equal(authorization?.body?.scope, OFFLINE);
  assert.equal(authorization?.body?.acr_values, `tenant:${emulator.tenantId}`);

  const stored = await storedEntries();
  const first = refreshTokenOf(stored);
  assert.equal(first.binding.issuer, emulator.issuer);
  assert.equal(first.binding.client_id, emulator.deviceClient.clientId);
  const cached = JSON.parse(stored['default/device-code/access-token']!) as { access_token: string };
  const config = await readFile(join(configDir, 'config.ini'), 'utf8');
  assert.match(config, /flow = device-code/);

  // The profile now says device-code: no flag or environment needed.
  const env = { OCS_AUTH_CONFIG_DIR: configDir, OCS_AUTH_STORAGE: 'file' };
  const served = await runCli(['token'], { env });
  assert.equal(served.code, 0, served.stderr);
  assert.equal(served.stdout, `${cached.access_token}\n`, 'the cached token is served');

  emulator.resetCounts();
  const forced = await runCli(['token', '--force'], { env });
  assert.equal(forced.code, 0, forced.stderr);
  assert.notEqual(forced.stdout, served.stdout);
  assert.equal(emulator.counts.token, 1, 'one refresh');
  assert.equal(emulator.requests.find((request) => request.route === 'token')?.body?.grant_type, 'refresh_token');
  const second = refreshTokenOf(await storedEntries());
  assert.notEqual(second.value, first.value, 'the rotated refresh token is stored');
  assert.deepEqual(second.binding, first.binding, 'still bound to the issuer and client');
  const api = await fetch(`${emulator.resource}/api/v1/Tenants/${emulator.tenantId}`, { headers: { Authorization: `Bearer ${forced.stdout.trim()}` } });
  assert.equal(api.status, 200);

  const status = await runCli(['status', '--json'], { env });
  assert.equal(status.code, 0, status.stderr);
  const [profile] = (JSON.parse(status.stdout) as { profiles: Array<{ flow: string; logged_in: boolean; has_refresh_token: boolean; user: string | null }> }).profiles;
  assert.deepEqual([profile?.flow, profile?.logged_in, profile?.has_refresh_token], ['device-code', true, true]);
  assert.equal(profile?.user, 'Alice Example <alice@example.com>', 'a device-code login is a person, not a client');
  assert.match((await runCli(['status'], { env })).stdout, /logged in as Alice Example <alice@example\.com>/);

  const whoami = await runCli(['whoami', '--json'], { env });
  assert.equal(whoami.code, 0, whoami.stderr);
  assert.equal((JSON.parse(whoami.stdout) as { flow: string }).flow, 'device-code');

  emulator.resetCounts();
  const logout = await runCli(['logout'], { env });
  assert.equal(logout.code, 0, logout.stderr);
  assert.match(logout.stderr, /revoked the refresh token at the server/);
  assert.ok(emulator.counts.revocation >= 1);
  assert.deepEqual(await storedEntries(), {}, 'nothing left');
  const after = await runCli(['token'], { env });
  assertFailure(after, 3, /no refresh token stored for profile "default": the device-code login has ended/);
  assert.match(after.stderr, /ocs-auth login --device-code/);
});

test('by default the login asks for offline_access; a server that refuses it (invalid_scope) is asked again without it, and the terminal says once that the session ends with the access token', async () => {
  emulator.refuseOfflineAccess();
  const login = startLogin(['--device-code']);
  const shown = await login.shown;
  await approveDeviceCode(shown.verificationUri, shown.userCode, emulator.user);
  const result = await login.done;
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr.match(/refused offline_access \(invalid_scope\).*ends when its access token expires/g)?.length, 1, result.stderr);
  const scopes = emulator.requests.filter((request) => request.route === 'deviceauthorization').map((request) => request.body?.scope);
  assert.deepEqual(scopes, [OFFLINE, 'openid ocsapi']);
  assert.deepEqual(Object.keys(await storedEntries()), ['default/device-code/access-token'], 'no refresh token: none was given');
});

test('a server that refuses offline_access only when the tokens are issued: new codes without it are shown, and the login goes on with them', async () => {
  emulator.addFault({ route: 'token', status: 400, body: JSON.stringify({ error: 'invalid_scope' }), times: 1 });
  const login = startLogin(['--device-code']);
  const first = await login.shown;
  const deadline = Date.now() + 10_000;
  let second: RegExpExecArray | null = null;
  while (!second && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    second = /refused offline_access[\s\S]*enter the code:\s+(\S+)/.exec(login.stderr());
  }
  assert.ok(second, login.stderr());
  assert.notEqual(second[1], first.userCode, 'a new code');
  await approveDeviceCode(first.verificationUri, second[1]!, emulator.user);
  const result = await login.done;
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr.match(/refused offline_access \(invalid_scope\)/g)?.length, 1, result.stderr);
  assert.deepEqual(emulator.requests.filter((request) => request.route === 'deviceauthorization').map((request) => request.body?.scope), [OFFLINE, 'openid ocsapi']);
});

test('an explicit --scope is asked for as given: invalid_scope for it fails the login (exit 2) without asking again', async () => {
  emulator.refuseOfflineAccess();
  const result = await startLogin(['--device-code', '--scope', OFFLINE]).done;
  assertFailure(result, 2, /invalid_scope/);
  assert.equal(emulator.counts.deviceauthorization, 1);
  assert.deepEqual(await storedEntries(), {});
});

test('a person who aborts on the confirmation page: exit 4, nothing stored', async () => {
  const login = startLogin(['--device-code']);
  const shown = await login.shown;
  await approveDeviceCode(shown.verificationUri, shown.userCode, emulator.user, { deny: 'confirm' });
  const result = await login.done;
  assertFailure(result, 4, /declined \(access_denied/);
  assert.deepEqual(await storedEntries(), {});
});

test('a person who cancels consent: exit 4, nothing stored', async () => {
  const login = startLogin(['--device-code']);
  const shown = await login.shown;
  await approveDeviceCode(shown.verificationUri, shown.userCode, emulator.user, { deny: 'consent' });
  const result = await login.done;
  assertFailure(result, 4, /declined \(access_denied/);
  assert.deepEqual(await storedEntries(), {});
});

test('a code nobody enters expires: exit 3, nothing stored', async () => {
  const shortLived = await startEmulator({ deviceFlow: { interval: 1, codeTtl: 2 } });
  try {
    const started = Date.now();
    const result = await startLogin(['--device-code'], deviceEnv(shortLived)).done;
    assertFailure(result, 3, /the code expired/);
    assert.ok(Date.now() - started < 10_000, 'stops at expires_in');
    assert.deepEqual(await storedEntries(), {});
  } finally {
    await shortLived.close();
  }
});

test('a token endpoint that fails until the code expires: exit 5 with what failed, not "expired"', async () => {
  const shortLived = await startEmulator({ deviceFlow: { interval: 1, codeTtl: 3 } });
  try {
    shortLived.addFault({ route: 'token', status: 503 });
    const result = await startLogin(['--device-code'], deviceEnv(shortLived)).done;
    assertFailure(result, 5, /the token endpoint failed with 503/);
    assert.ok(shortLived.counts.token >= 2, 'it kept polling');
    assert.deepEqual(await storedEntries(), {});
  } finally {
    await shortLived.close();
  }
});

test('slow_down adds 5 seconds to the interval; authorization_pending keeps polling', async () => {
  emulator.addFault({ route: 'token', status: 400, body: JSON.stringify({ error: 'slow_down' }), times: 1 });
  const login = startLogin(['--device-code']);
  await login.shown;
  // Pending polls at 1 s, one slow_down, then polls 6 s apart: wait for two after it.
  const polls = () => emulator.requests.filter((request) => request.route === 'token');
  const deadline = Date.now() + 20_000;
  while (polls().length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  login.kill('SIGINT');
  await login.done;
  const [slowed, next] = polls();
  assert.ok(slowed && next, `two polls seen: ${polls().length}`);
  const gap = next.at - slowed.at;
  assert.ok(gap >= 6_000 - 50, `the poll after slow_down came ${gap} ms later, not ≥ 6 s`);
  assert.ok(gap < 8_000, `and not much later: ${gap} ms`);
});

test('a poll the server fails (503) or never answers does not end the login: the interval doubles, polling goes on', async () => {
  emulator.addFault({ route: 'token', status: 503, times: 1 });
  emulator.addFault({ route: 'token', destroy: true, times: 1 });
  const login = startLogin(['--device-code']);
  const shown = await login.shown;
  const polls = () => emulator.requests.filter((request) => request.route === 'token');
  const deadline = Date.now() + 15_000;
  while (polls().length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  const [failed, reset, next] = polls();
  assert.ok(failed && reset && next, `three polls: ${polls().length}`);
  assert.ok(reset.at - failed.at >= 1_950, `after a 503 the interval doubles to 2 s: ${reset.at - failed.at} ms`);
  assert.ok(next.at - reset.at >= 3_950, `after a lost answer to 4 s: ${next.at - reset.at} ms`);
  await approveDeviceCode(shown.verificationUri, shown.userCode, emulator.user);
  const result = await login.done;
  assert.equal(result.code, 0, result.stderr);
});

test('authorization_pending polls follow the server interval', async () => {
  const login = startLogin(['--device-code']);
  await login.shown;
  const polls = () => emulator.requests.filter((request) => request.route === 'token');
  const deadline = Date.now() + 10_000;
  while (polls().length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  login.kill('SIGINT');
  await login.done;
  const [a, b, c] = polls();
  assert.ok(a && b && c, 'three polls within 10 s');
  assert.equal(a.body?.grant_type, 'urn:ietf:params:oauth:grant-type:device_code');
  assert.equal(a.body?.client_id, emulator.deviceClient.clientId);
  for (const gap of [b.at - a.at, c.at - b.at]) assert.ok(gap >= 950 && gap < 2_500, `polled ${gap} ms apart at interval 1 s`);
});

test('Ctrl-C while polling: exit 130 at once, nothing stored', async () => {
  const login = startLogin(['--device-code', '--scope', OFFLINE]);
  await login.shown;
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const sent = Date.now();
  login.kill('SIGINT');
  const result = await login.done;
  assert.equal(result.code, 130, result.stderr);
  assert.ok(Date.now() - sent < 1_000, 'the wait ends at once');
  assert.match(result.stderr, /interrupted/);
  assert.ok(!hasStackTrace(result.stderr), result.stderr);
  assert.deepEqual(await storedEntries(), {});
  await assert.rejects(readFile(join(configDir, 'config.ini'), 'utf8'), { code: 'ENOENT' }, 'no profile written either');
});

test('a discovery document without device_authorization_endpoint: exit 2, saying so, with the --pkce --no-browser hint', async () => {
  emulator.addFault({
    route: 'discovery',
    transform: (doc: Record<string, unknown>) => {
      delete doc.device_authorization_endpoint;
      return doc;
    },
  });
  const result = await runCli(['login', '--device-code'], { env: deviceEnv() });
  assertFailure(result, 2, /names no device_authorization_endpoint/);
  assert.match(result.stderr, /ocs-auth login --pkce --no-browser/);
  assert.equal(emulator.counts.deviceauthorization, 0);
});

test('a device_authorization_endpoint on another origin is refused before anything is sent', async () => {
  emulator.addFault({
    route: 'discovery',
    transform: (doc: Record<string, unknown>) => ({ ...doc, device_authorization_endpoint: 'http://127.0.0.2:9/connect/deviceauthorization' }),
  });
  const result = await runCli(['login', '--device-code'], { env: deviceEnv() });
  assertFailure(result, 5, /points device_authorization_endpoint to http:\/\/127\.0\.0\.2:9, not the issuer's/);
  assert.equal(emulator.counts.deviceauthorization, 0);
});

test('--device-code with a flag of another flow is a usage error (exit 2)', async () => {
  for (const args of [
    ['login', '--device-code', '--pkce'],
    ['login', '--device-code', '--client-credentials'],
    ['login', '--device-code', '--client-secret-stdin'],
    ['login', '--device-code', '--redirect-uri', 'http://localhost:5004/callback.html'],
    ['token', '--device-code', '--client-credentials'],
  ]) {
    const result = await runCli(args, { env: deviceEnv() });
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.equal(emulator.counts.discovery, 0);
  }
});

test('OCS_AUTH_FLOW=device-code with no TTY: token exits 3 naming the device-code login', async () => {
  const result = await runCli(['token'], { env: deviceEnv(emulator, { OCS_AUTH_FLOW: 'device-code' }) });
  assertFailure(result, 3, /no refresh token stored/);
  assert.match(result.stderr, /ocs-auth login --device-code/);
});

const SCRIPT = '/usr/bin/script';

test(
  'token on a terminal starts the device login itself; Enter opens the page with the code in a browser',
  { skip: !existsSync(SCRIPT) && !process.env.CI && 'no script(1)' },
  async () => {
    // The "browser" records the URL it is given, as a person's browser would open it.
    const opened = join(configDir, 'opened.txt');
    const recorder = join(configDir, 'browser.mjs');
    await writeFile(recorder, `import { appendFileSync } from 'node:fs';\nappendFileSync(${JSON.stringify(opened)}, process.argv[2] + '\\n');\n`);
    const env = { ...deviceEnv(emulator, { OCS_AUTH_FLOW: 'device-code', BROWSER: `"${process.execPath}" "${recorder}"` }) };
    const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OCS_') && key !== 'BROWSER'));
    const child = spawn(SCRIPT, ['-qec', `"${process.execPath}" "${CLI}" token`, '/dev/null'], {
      env: { ...clean, ...env } as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stop = () => child.kill('SIGKILL');
    running.add(stop);
    const timer = setTimeout(stop, 30_000);
    let screen = '';
    let pressed = false;
    let approval: Promise<string> | undefined;
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdin.on('error', () => {}); // Enter pressed as the CLI ends: its exit code tells
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      screen += text;
      if (!pressed && /Press Enter to open it in a browser here/.test(screen)) {
        pressed = true;
        child.stdin.write('\r');
      }
      const uri = /open this page in a browser.*\r?\n\s+(http\S+)\r?\n/.exec(screen)?.[1];
      const code = /enter the code:\s+(?:\u001b\[\d+m)?([A-Z]{4}-[A-Z]{4})/.exec(screen)?.[1];
      if (!approval && uri && code) approval = approveDeviceCode(uri, code, emulator.user);
    });
    const code = await exited;
    clearTimeout(timer);
    running.delete(stop);
    assert.equal(code, 0, screen);
    await approval;
    assert.match(screen, /no refresh token stored for profile "default": the device-code login has ended: logging in first/);
    assert.match(screen, /Logged in to tenant "Emulated Company"/);
    const token = /^(eyJ[\w-]+\.[\w-]+\.[\w-]+)\r?$/m.exec(screen)?.[1];
    assert.ok(token, screen);
    assert.match(screen, /or scan it with a phone:\r?\n█{30,}/, 'a QR code of the page for a phone, on a terminal');
    const [url] = (await readFile(opened, 'utf8')).trim().split('\n');
    assert.match(url ?? '', /\/identity\/connect\/device\?user_code=/, 'Enter opened the page that has the code in it');
  },
);

test('a CONNECT account: no acr_values, scope openid api offline_access, whoami checks the token at userinfo', async () => {
  const connectEmulator = await startEmulator({ connect: true, deviceFlow: { interval: 1 } });
  try {
    const account = connectEmulator.connect!;
    const env = {
      OCS_RESOURCE: connectEmulator.resource,
      OCS_ACCOUNT_ID: account.accountId,
      OCS_DISCOVERY_URL: connectEmulator.discoveryUrl,
      OCS_CLIENT_ID: connectEmulator.deviceClient.clientId,
      OCS_AUTH_CONFIG_DIR: configDir,
      OCS_AUTH_STORAGE: 'file',
    };
    const login = startLogin(['--device-code'], env);
    const shown = await login.shown;
    assert.equal(new URL(shown.verificationUri).origin, account.identityOrigin);
    await approveDeviceCode(shown.verificationUri, shown.userCode, connectEmulator.user);
    const result = await login.done;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`Logged in to account ${account.accountId} as ${connectEmulator.user.name}`));
    const authorization = connectEmulator.requests.find((request) => request.route === 'deviceauthorization');
    assert.equal(authorization?.body?.scope, 'openid api offline_access', 'a session that lasts, by default');
    assert.equal(authorization?.body?.acr_values, undefined);

    const whoami = await runCli(['whoami', '--json'], { env: { ...env, OCS_AUTH_FLOW: 'device-code' } });
    assert.equal(whoami.code, 0, whoami.stderr);
    assert.equal((JSON.parse(whoami.stdout) as { verified_by: string }).verified_by, 'userinfo');
  } finally {
    await connectEmulator.close();
  }
});

test('--verbose traces the polls with the device code redacted: whoever holds it gets the tokens', async () => {
  const login = startLogin(['--device-code', '--verbose']);
  await login.shown;
  const polls = () => emulator.requests.filter((request) => request.route === 'token');
  const deadline = Date.now() + 10_000;
  while (polls().length < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  await new Promise((resolve) => setTimeout(resolve, 200));
  login.kill('SIGINT');
  const result = await login.done;
  const deviceCode = polls()[0]?.body?.device_code;
  assert.ok(deviceCode, 'a poll was made');
  assert.match(result.stderr, /> POST \S+\/connect\/token grant_type=\S+&device_code=\*\*\*&/);
  assert.ok(!result.stderr.includes(deviceCode), 'the device code never reaches stderr');
});
