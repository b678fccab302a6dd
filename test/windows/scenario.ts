// The Windows job (issue 17): the packed CLI under Windows Node 20 in Wine, with Wine's
// Credential Manager, against the OCS emulator on this (Linux) machine's 127.0.0.1.
// scripts/windows-check.sh lays everything out and runs this file with Linux Node's test
// runner; it is no *.test.ts, so the Linux suite (test/run.sh) leaves it alone.
// Windows Node under Wine cannot write to a Unix pipe (WINDOWS.md): every run's stdin,
// stdout and stderr are files.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { dirname, join, win32 } from 'node:path';
import { after, before, test } from 'node:test';
import { startEmulator, type Emulator } from '../emulator/index.ts';
import { approveDeviceCode } from '../helpers/device-approval.ts';
import { shortHash } from '../../src/store/short-hash.ts';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this through scripts/windows-check.sh`);
  return value;
}
const WINE = required('OCS_AUTH_WINE');
const NODE_EXE = required('OCS_AUTH_WINDOWS_NODE');
const CLI = required('OCS_AUTH_WINDOWS_CLI');
const PREFIX = required('WINEPREFIX');
const WORK = required('OCS_AUTH_WINDOWS_WORK');
const HOLD_OPEN = required('OCS_AUTH_WINDOWS_HOLD_OPEN');
const KEYRING = join(dirname(CLI), '..', '..', '@napi-rs', 'keyring');

/** Z: is Wine's drive for the Unix root. */
function winPath(unix: string): string {
  return `Z:${unix.replaceAll('/', '\\')}`;
}

/** A Windows path on C: or Z: as the Unix path Wine keeps it at. */
function unixPath(windows: string): string {
  const match = /^([A-Za-z]):\\(.*)$/.exec(windows);
  if (!match) throw new Error(`not a drive path: ${windows}`);
  const rest = match[2]!.replaceAll('\\', '/');
  if (match[1]!.toUpperCase() === 'Z') return `/${rest}`;
  if (match[1]!.toUpperCase() === 'C') return join(PREFIX, 'drive_c', rest);
  throw new Error(`no Unix path for drive ${match[1]}`);
}

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface Started {
  /** Its stdout so far. */
  stdout(): Promise<string>;
  /** Its stderr so far. */
  stderr(): Promise<string>;
  done: Promise<Result>;
}

/** Windows Node running `args` (a script and its arguments), with only this environment beside Wine's own. */
function startWindowsNode(args: string[], env: Record<string, string> = {}, stdin?: string): Started {
  return startWindowsProgram(NODE_EXE, args, env, stdin);
}

/** A Windows program (its Unix path), with only this environment beside Wine's own. */
function startWindowsProgram(program: string, args: string[], env: Record<string, string> = {}, stdin?: string): Started {
  const dir = join(WORK, `run-${process.hrtime.bigint()}`);
  const files = { in: join(dir, 'stdin'), out: join(dir, 'stdout'), err: join(dir, 'stderr') };
  const done = (async () => {
    await mkdir(dir, { recursive: true });
    await writeFile(files.in, stdin ?? '');
    const fds = [openSync(files.in, 'r'), openSync(files.out, 'w'), openSync(files.err, 'w')];
    const child = spawn(WINE, [program, ...args], {
      // Wine names Unix files in the locale's character set: UTF-8, or no non-ASCII file name can be made.
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', WINEPREFIX: PREFIX, WINEDEBUG: '-all', NODE_SKIP_PLATFORM_CHECK: '1', ...env },
      stdio: fds,
    });
    for (const fd of fds) closeSync(fd);
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    const code = await new Promise<number | null>((resolve, reject) => child.on('error', reject).on('close', resolve));
    clearTimeout(timer);
    return { code, stdout: await readFile(files.out, 'utf8'), stderr: await readFile(files.err, 'utf8') };
  })();
  return { stdout: () => readFile(files.out, 'utf8').catch(() => ''), stderr: () => readFile(files.err, 'utf8').catch(() => ''), done };
}

function cli(args: string[], env: Record<string, string> = {}, stdin?: string): Promise<Result> {
  return startWindowsNode([winPath(CLI), ...args], env, stdin).done;
}

/**
 * The CLI with Windows' own variables (APPDATA, USERPROFILE…) set or, where null, removed:
 * Wine sets those from its registry over the Unix environment, so a launcher under Windows
 * Node changes them and runs the CLI with its stdin, stdout and stderr.
 */
async function cliWithWindowsEnv(windowsEnv: Record<string, string | null>, args: string[], env: Record<string, string> = {}, stdin?: string): Promise<Result> {
  const launcher = join(WORK, 'launcher.cjs');
  await writeFile(
    launcher,
    `const { spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const [envFile, ...command] = process.argv.slice(2);
const env = { ...process.env };
for (const [name, value] of Object.entries(JSON.parse(readFileSync(envFile, 'utf8')))) {
  for (const key of Object.keys(env)) if (key.toUpperCase() === name.toUpperCase()) delete env[key];
  if (value !== null) env[name] = value;
}
const result = spawnSync(process.execPath, command, { env, stdio: 'inherit' });
process.exit(result.status ?? 1);
`,
  );
  const envFile = join(WORK, `env-${process.hrtime.bigint()}.json`);
  await writeFile(envFile, JSON.stringify(windowsEnv));
  return startWindowsNode([winPath(launcher), winPath(envFile), winPath(CLI), ...args], env, stdin).done;
}

/** What a Windows Node script prints, parsed as JSON; the script fails the step when it fails. */
async function windowsJson<T>(source: string): Promise<T> {
  const script = join(WORK, `script-${process.hrtime.bigint()}.cjs`);
  await writeFile(script, source);
  const result = await startWindowsNode([winPath(script)]).done;
  assert.equal(result.code, 0, `Windows Node script failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/**
 * A Credential Manager entry of ocs-auth, as @napi-rs/keyring reads it on Windows (null when
 * there is none). Entries are named "cfg-<hash of the config folder>:<account>"
 * (src/store/open-store.ts). Read one by one: its findCredentials finds nothing under Wine 8.
 */
async function credentialManagerEntry(windowsConfigDir: string, account: string): Promise<string | null> {
  const name = `cfg-${shortHash(win32.resolve(windowsConfigDir))}:${account}`;
  return (
    await windowsJson<{ password: string | null }>(`const { Entry } = require(${JSON.stringify(winPath(KEYRING))});
process.stdout.write(JSON.stringify({ password: new Entry('ocs-auth', ${JSON.stringify(name)}).getPassword() ?? null }));`)
  ).password;
}

/** Every file under `dir` (none when it does not exist). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

function assertJwt(stdout: string, context: string): string {
  assert.match(stdout, /^[\w-]+\.[\w-]+\.[\w-]+\r?\n$/, `a JWT and one newline on stdout: ${context}`);
  return stdout.trim();
}

/** `on`: the emulator that issued the token. */
async function tenantAnswers(token: string, on: Emulator = emulator): Promise<number> {
  const response = await fetch(`${on.resource}/api/v1/Tenants/${on.tenantId}`, { headers: { Authorization: `Bearer ${token}` } });
  return response.status;
}

let emulator: Emulator;
let longTokens: Emulator;
let appDataWindows: string;
let appData: string;
let localAppData: string;

before(async () => {
  // A one-second poll interval keeps the device-code steps short.
  emulator = await startEmulator({ deviceFlow: { interval: 1 } });
  longTokens = await startEmulator({ deviceFlow: { interval: 1 }, refreshTokenLength: 3000 });
  const folders = await windowsJson<{ appData: string; localAppData: string; platform: string }>(
    `process.stdout.write(JSON.stringify({ appData: process.env.APPDATA, localAppData: process.env.LOCALAPPDATA, platform: process.platform }));`,
  );
  assert.equal(folders.platform, 'win32');
  appDataWindows = folders.appData;
  appData = unixPath(folders.appData);
  localAppData = unixPath(folders.localAppData);
});

after(async () => {
  await Promise.all([emulator?.close(), longTokens?.close()]);
});

function clientCredentials(on: Emulator = emulator): Record<string, string> {
  return { OCS_RESOURCE: on.resource, OCS_TENANT_ID: on.tenantId, OCS_CLIENT_ID: on.confidentialClient.clientId, OCS_CLIENT_SECRET: on.confidentialClient.clientSecret };
}

test('1. an env-only client-credentials token (the four OCS_* variables)', async () => {
  const before = emulator.counts.token;
  const result = await cli(['token', '--client-credentials'], clientCredentials());
  assert.equal(result.code, 0, result.stderr);
  const token = assertJwt(result.stdout, result.stderr);
  assert.equal(emulator.counts.token, before + 1);
  assert.equal(await tenantAnswers(token), 200, 'the tenant API takes the token');
});

test('2. configure + login --client-credentials: the secret in the Credential Manager and in no file', async () => {
  const { OCS_CLIENT_SECRET: secret, ...settings } = clientCredentials();
  const configure = await cli(['configure', '--resource', settings.OCS_RESOURCE!, '--tenant-id', settings.OCS_TENANT_ID!, '--client-id', settings.OCS_CLIENT_ID!, '--client-credentials']);
  assert.equal(configure.code, 0, configure.stderr);

  const login = await cli(['login', '--client-credentials', '--client-secret-stdin'], {}, `${secret}\n`);
  assert.equal(login.code, 0, login.stderr);
  assert.match(login.stderr, new RegExp(emulator.tenantName), 'login names the tenant');

  const token = await cli(['token', '--force']);
  assert.equal(token.code, 0, token.stderr);
  assert.equal(await tenantAnswers(assertJwt(token.stdout, token.stderr)), 200);

  const stored = await credentialManagerEntry(`${appDataWindows}\\ocs-auth`, 'default/client-credentials/client-secret');
  assert.ok(stored?.includes(secret!), 'the Credential Manager holds the secret');
  const files = [...(await filesUnder(join(appData, 'ocs-auth'))), ...(await filesUnder(join(localAppData, 'ocs-auth')))];
  assert.ok(files.length > 0, 'the CLI wrote its files where this step looks');
  for (const file of files) assert.ok(!(await readFile(file, 'utf8')).includes(secret!), `${file} holds the client secret`);
});

test('3. config under %APPDATA%\\ocs-auth, caches under %LOCALAPPDATA%\\ocs-auth', async () => {
  // What steps 1 and 2 left behind: a profile, a cached token per session, the discovery cache.
  assert.ok(existsSync(join(appData, 'ocs-auth', 'config.ini')), 'config.ini in %APPDATA%\\ocs-auth');
  const local = (await filesUnder(join(localAppData, 'ocs-auth'))).map((file) => file.slice(join(localAppData, 'ocs-auth').length + 1).replaceAll('\\', '/'));
  assert.ok(local.some((file) => file.startsWith('tokens/client-credentials/')), `cached tokens in %LOCALAPPDATA%\\ocs-auth: ${local.join(', ')}`);
  assert.ok(local.some((file) => file.startsWith('cache/')), `the discovery cache in %LOCALAPPDATA%\\ocs-auth: ${local.join(', ')}`);
  for (const folder of ['tokens', 'cache']) {
    assert.deepEqual(await filesUnder(join(appData, 'ocs-auth', folder)), [], `no ${folder} in the roaming %APPDATA%\\ocs-auth`);
  }
});

/** A device-code login approved in headless Chromium, as a person would from the CLI's stderr. */
async function deviceCodeLogin(on: Emulator, env: Record<string, string>): Promise<Result> {
  // The default scope asks for offline_access: the session is its refresh token.
  const login = startWindowsNode([winPath(CLI), 'login', '--device-code'], env);
  let shown: { uri: string; code: string } | undefined;
  const deadline = Date.now() + 60_000;
  while (!shown && Date.now() < deadline) {
    const stderr = await login.stderr();
    const uri = /open this page in a browser.*\n\s+(http\S+)\r?\n/.exec(stderr)?.[1];
    const code = /enter the code:\s+(\S+)/.exec(stderr)?.[1];
    if (uri && code) shown = { uri, code };
    else await new Promise((resolve) => setTimeout(resolve, 200));
  }
  if (!shown) {
    const result = await Promise.race([login.done, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 1000))]);
    assert.fail(`the login showed no code: ${result ? `exit ${result.code}, ${result.stderr}` : await login.stderr()}`);
  }
  assert.match(await approveDeviceCode(shown.uri, shown.code, on.user), /success/i);
  return login.done;
}

/** Makes the session's cached access token due for renewal (under --min-validity's 300 s). */
async function ageCachedToken(stateFolder: string, flow: string): Promise<void> {
  const files = await filesUnder(join(stateFolder, 'tokens', flow));
  assert.equal(files.length, 1, `one cached ${flow} token in ${stateFolder}`);
  const cached = JSON.parse(await readFile(files[0]!, 'utf8')) as { expires_at: number };
  await writeFile(files[0]!, JSON.stringify({ ...cached, expires_at: Date.now() + 10_000 }));
}

async function deviceCodeEnv(on: Emulator, name: string): Promise<{ env: Record<string, string>; folder: string }> {
  const folder = await mkdtemp(join(WORK, `${name}-`));
  return { folder, env: { OCS_RESOURCE: on.resource, OCS_TENANT_ID: on.tenantId, OCS_CLIENT_ID: on.deviceClient.clientId, OCS_AUTH_CONFIG_DIR: winPath(folder) } };
}

/** A refresh of the session: a new access token from one token request. */
async function refresh(on: Emulator, folder: string, env: Record<string, string>, previous: string): Promise<string> {
  await ageCachedToken(folder, 'device-code');
  const before = on.counts.token;
  const result = await cli(['token'], env);
  assert.equal(result.code, 0, result.stderr);
  const token = assertJwt(result.stdout, result.stderr);
  assert.notEqual(token, previous, 'a new access token');
  assert.equal(on.counts.token, before + 1, 'one refresh request');
  return token;
}

test('4. a device-code login with a 3,000-character refresh token (more than a Credential Manager entry holds), refreshed twice', async () => {
  const { env, folder } = await deviceCodeEnv(longTokens, 'long-refresh-token');
  const login = await deviceCodeLogin(longTokens, env);
  assert.equal(login.code, 0, login.stderr);
  const first = await cli(['token'], env);
  assert.equal(first.code, 0, first.stderr);
  const second = await refresh(longTokens, folder, env, assertJwt(first.stdout, first.stderr));
  const third = await refresh(longTokens, folder, env, second);
  assert.equal(await tenantAnswers(third, longTokens), 200);
});

test('5. exec of a .cmd: its exit code passed through, OCS_TOKEN present, no OCS_CLIENT_SECRET, an argument holding & not run', async () => {
  const dir = await mkdtemp(join(WORK, 'exec-'));
  const script = join(dir, 'probe.cmd');
  const injected = join(dir, 'injected.txt');
  await writeFile(
    script,
    [
      '@echo off',
      'if defined OCS_TOKEN (echo token: present) else (echo token: missing)',
      'if defined OCS_CLIENT_SECRET (echo secret: present) else (echo secret: absent)',
      'exit /b 7',
      '',
    ].join('\r\n'),
  );
  const result = await cli(['exec', '--client-credentials', '--', winPath(script), `a&echo injected>${winPath(injected)}`], clientCredentials());
  assert.equal(result.code, 7, `the .cmd's exit code: ${result.stderr}`);
  assert.match(result.stdout, /token: present/);
  assert.match(result.stdout, /secret: absent/);
  assert.ok(!existsSync(injected), 'the command after & in an argument ran');
});

test('6. six parallel refreshes of one session lose nothing: one token request, six tokens, and the session refreshes afterwards', async () => {
  const { env, folder } = await deviceCodeEnv(emulator, 'parallel');
  const login = await deviceCodeLogin(emulator, env);
  assert.equal(login.code, 0, login.stderr);
  const first = await cli(['token'], env);
  assert.equal(first.code, 0, first.stderr);

  await ageCachedToken(folder, 'device-code');
  const before = emulator.counts.token;
  const parallel = await Promise.all(Array.from({ length: 6 }, () => cli(['token'], env)));
  for (const result of parallel) assert.equal(result.code, 0, result.stderr);
  const tokens = new Set(parallel.map((result) => assertJwt(result.stdout, result.stderr)));
  assert.equal(emulator.counts.token, before + 1, 'parallel refreshes of one rotating refresh token would log the user out: exactly one happened');
  assert.equal(tokens.size, 1, 'all six print the one new token');
  assert.ok(!tokens.has(first.stdout.trim()), 'a new token');

  const afterwards = await refresh(emulator, folder, env, [...tokens][0]!);
  assert.equal(await tenantAnswers(afterwards), 200);
});

/** configure, login --client-credentials (secret on stdin) and a token, under these Windows variables. */
async function clientCredentialsProfile(windowsEnv: Record<string, string | null>): Promise<void> {
  const { OCS_CLIENT_SECRET: secret, ...settings } = clientCredentials();
  const configure = await cliWithWindowsEnv(windowsEnv, ['configure', '--resource', settings.OCS_RESOURCE!, '--tenant-id', settings.OCS_TENANT_ID!, '--client-id', settings.OCS_CLIENT_ID!, '--client-credentials']);
  assert.equal(configure.code, 0, configure.stderr);
  const login = await cliWithWindowsEnv(windowsEnv, ['login', '--client-credentials', '--client-secret-stdin'], {}, `${secret}\n`);
  assert.equal(login.code, 0, login.stderr);
  const token = await cliWithWindowsEnv(windowsEnv, ['token']);
  assert.equal(token.code, 0, token.stderr);
  assert.equal(await tenantAnswers(assertJwt(token.stdout, token.stderr)), 200);
}

/** config.ini in `roaming`\ocs-auth, the cached token in `local`\ocs-auth, the secret in the Credential Manager entry of that config folder. */
async function assertLaidOut(roaming: string, local: string): Promise<void> {
  assert.ok(existsSync(join(unixPath(roaming), 'ocs-auth', 'config.ini')), `config.ini in ${roaming}\\ocs-auth`);
  const tokens = await filesUnder(join(unixPath(local), 'ocs-auth', 'tokens'));
  assert.equal(tokens.length, 1, `the cached token in ${local}\\ocs-auth\\tokens`);
  const stored = await credentialManagerEntry(`${roaming}\\ocs-auth`, 'default/client-credentials/client-secret');
  assert.ok(stored?.includes(emulator.confidentialClient.clientSecret), 'the Credential Manager holds the secret');
}

test('7. a user profile path with spaces and non-ASCII letters holds config, caches and the Credential Manager entry', async () => {
  const profile = 'C:\\users\\Zoë Müller-Łukasz';
  const roaming = `${profile}\\AppData\\Roaming`;
  const local = `${profile}\\AppData\\Local`;
  await clientCredentialsProfile({ USERPROFILE: profile, APPDATA: roaming, LOCALAPPDATA: local });
  await assertLaidOut(roaming, local);
});

test('8. APPDATA and LOCALAPPDATA unset: the user profile folder\'s AppData\\Roaming and AppData\\Local', async () => {
  const profile = 'C:\\users\\Ünset Ådministrator';
  await clientCredentialsProfile({ USERPROFILE: profile, APPDATA: null, LOCALAPPDATA: null });
  await assertLaidOut(`${profile}\\AppData\\Roaming`, `${profile}\\AppData\\Local`);
});

/** Starts hold-open on `file` and resolves once it holds it. */
async function holdOpen(file: string, ms: number): Promise<Started> {
  const holder = startWindowsProgram(HOLD_OPEN, [winPath(file), String(ms)]);
  const deadline = Date.now() + 30_000;
  while (!(await holder.stdout()).includes('held')) {
    if (Date.now() > deadline) assert.fail(`hold-open never held ${file}: ${await holder.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return holder;
}

test('9. a cached token held open by another program (no delete sharing): replaced once it is let go; held throughout, the token is printed all the same with a warning naming the file', async () => {
  // Step 2's profile, the default one, cached its token here.
  const file = join(localAppData, 'ocs-auth', 'tokens', 'client-credentials', 'default.json');
  assert.ok(existsSync(file), `${file} exists`);

  const briefly = await holdOpen(file, 1500);
  const before = await readFile(file, 'utf8');
  const replaced = await cli(['token', '--force']);
  assert.equal(replaced.code, 0, replaced.stderr);
  assert.equal((await briefly.done).code, 0);
  assert.notEqual(await readFile(file, 'utf8'), before, 'the new token is cached');
  assert.ok(JSON.stringify(JSON.parse(await readFile(file, 'utf8'))).includes(assertJwt(replaced.stdout, replaced.stderr)), 'the cache holds the printed token');

  const throughout = await holdOpen(file, 20_000);
  const uncached = await cli(['token', '--force']);
  assert.equal(uncached.code, 0, uncached.stderr);
  assertJwt(uncached.stdout, uncached.stderr);
  assert.match(uncached.stderr, /could not cache the access token: .*default\.json/, 'a warning names the file');
  assert.doesNotMatch(uncached.stderr, /\n\s+at /, 'no stack trace');
  await throughout.done;
});

test('10. a lock whose holder went silent, held open by another program, is taken over once it is let go', async () => {
  // The lock of step 2's session (src/store/lock.ts): a holder elsewhere whose heartbeat (the
  // file's mtime) stopped a minute ago.
  const lock = join(localAppData, 'ocs-auth', 'locks', 'default-client-credentials.lock');
  await mkdir(dirname(lock), { recursive: true });
  await writeFile(lock, JSON.stringify({ id: 'gone', pid: 4242, host: 'a build agent that is gone' }));
  const minuteAgo = new Date(Date.now() - 60_000);
  await utimes(lock, minuteAgo, minuteAgo);

  const holder = await holdOpen(lock, 2000);
  const result = await cli(['token', '--force']);
  assert.equal(result.code, 0, result.stderr);
  assertJwt(result.stdout, result.stderr);
  assert.equal((await holder.done).code, 0);
  assert.ok(!existsSync(lock), 'the lock is released');
});
