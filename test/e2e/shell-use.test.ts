// `token`'s output formats and `exec`, as shell scripts use them: the built CLI as a child
// process against the OCS emulator, with env-only client credentials.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { configDir, emulator, envOnly, useE2eFixture } from '../helpers/e2e-fixture.ts';
import { cliOnPath } from '../helpers/cli-on-path.ts';
import { CLI, type CliResult, hasStackTrace, runCli } from '../helpers/cli.ts';

const run = promisify(execFile);

useE2eFixture();
let bin: Awaited<ReturnType<typeof cliOnPath>>;

before(async () => {
  bin = await cliOnPath();
});
after(() => bin.cleanup());

/** The env as a plain record for child_process, with ocs-auth on PATH. */
function shellEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = { PATH: bin.path, HOME: configDir };
  for (const [key, value] of Object.entries(envOnly(extra))) if (value !== undefined) env[key] = value;
  return env;
}

async function rawToken(): Promise<string> {
  const result = await runCli(['token', '--client-credentials'], { env: envOnly() });
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.trim();
}

async function tenantStatus(authorization: string): Promise<number> {
  const response = await fetch(`${emulator.resource}/api/v1/Tenants/${emulator.tenantId}`, { headers: { Authorization: authorization } });
  return response.status;
}

function assertUsageError(result: CliResult, message: RegExp): void {
  assert.equal(result.code, 2, result.stderr);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, message);
  assert.ok(!hasStackTrace(result.stderr), result.stderr);
}

test('eval "$(ocs-auth token --export)" in sh sets OCS_TOKEN to the token the API accepts', async () => {
  const token = await rawToken();
  const { stdout, stderr } = await run('sh', ['-c', 'eval "$(ocs-auth token --export)" && printf %s "$OCS_TOKEN"'], { env: shellEnv({ SHELL: '/bin/bash' }) });
  assert.equal(stdout, token, stderr);
  assert.equal(await tenantStatus(`Bearer ${stdout}`), 200);

  const exported = await runCli(['token', '--export', '--shell', 'sh'], { env: envOnly({ SHELL: '/usr/bin/fish' }) });
  assert.equal(exported.stdout, `export OCS_TOKEN='${token}'\n`, '--shell wins over $SHELL');
  for (const shell of ['bash', 'zsh']) {
    const named = await runCli(['token', '--shell', shell], { env: envOnly({ SHELL: '/usr/bin/fish' }) });
    assert.equal(named.stdout, exported.stdout, `--shell ${shell} is sh syntax`);
  }
});

test('a reader that has gone (`ocs-auth token | true`) is no error: exit 0, nothing on stderr', async () => {
  assert.equal((await runCli(['token'], { env: envOnly() })).code, 0, 'a cached token, so that the run is quick');
  const child = spawn(process.execPath, [CLI, 'token'], { env: { ...process.env, ...envOnly() } as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  // Closed before the CLI has even started: its write meets a pipe nobody reads (EPIPE).
  child.stdout.destroy();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(stderr, '');
  assert.equal(code, 0);
});

test('--export is sh syntax whatever $SHELL says; --shell fish and powershell switch it, and imply --export', async () => {
  const token = await rawToken();
  // A bash script run by someone whose login shell is fish: it must still get sh syntax.
  const fromFishUser = await runCli(['token', '--export'], { env: envOnly({ SHELL: '/usr/bin/fish' }) });
  assert.equal(fromFishUser.stdout, `export OCS_TOKEN='${token}'\n`);
  const fish = await runCli(['token', '--export', '--shell', 'fish'], { env: envOnly() });
  assert.equal(fish.stdout, `set -gx OCS_TOKEN '${token}'\n`);
  if (existsSync('/usr/bin/fish')) {
    const { stdout } = await run('/usr/bin/fish', ['--no-config', '-c', `eval (ocs-auth token --shell fish | string collect); printf %s $OCS_TOKEN`], { env: shellEnv({ SHELL: '/usr/bin/fish' }) });
    assert.equal(stdout, token);
  }
  const pwsh = await runCli(['token', '--export', '--shell', 'powershell'], { env: envOnly({ SHELL: '/usr/local/bin/pwsh' }) });
  assert.equal(pwsh.stdout, `$env:OCS_TOKEN = '${token}'\n`);
  const implied = await runCli(['token', '--shell', 'powershell'], { env: envOnly() });
  assert.equal(implied.stdout, pwsh.stdout);
});

test('--header is one "Authorization: Bearer …" line that curl -H and the API take as it is', async () => {
  const token = await rawToken();
  const result = await runCli(['token', '--header'], { env: envOnly() });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `Authorization: Bearer ${token}\n`);
  const [name, value] = result.stdout.trimEnd().split(': ');
  assert.equal(name, 'Authorization');
  assert.equal(await tenantStatus(value!), 200);
});

test('--json is one document with exactly the SPEC keys, and the same token as the plain output', async () => {
  const token = await rawToken();
  const result = await runCli(['token', '--json'], { env: envOnly() });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
  const document = JSON.parse(result.stdout) as Record<string, unknown>;
  assert.deepEqual(Object.keys(document), ['access_token', 'token_type', 'expires_at', 'expires_in', 'profile', 'flow', 'tenant_id', 'resource']);
  assert.equal(document.access_token, token);
  assert.equal(document.token_type, 'Bearer');
  assert.match(document.expires_at as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(Number.isInteger(document.expires_in) && (document.expires_in as number) > 3500 && (document.expires_in as number) <= 3600, String(document.expires_in));
  assert.ok(Math.abs(Date.parse(document.expires_at as string) - Date.now() - (document.expires_in as number) * 1000) < 5000);
  assert.match(document.profile as string, /^env-[0-9a-f]{16}$/, 'the CI variables\' own session (SPEC "Configuration")');
  assert.equal(document.flow, 'client-credentials');
  assert.equal(document.tenant_id, emulator.tenantId);
  assert.equal(document.resource, emulator.resource);
  assert.equal(emulator.counts.token, 1, 'every format reuses the cached token');
});

test('the formats exclude each other (exit 2, nothing on stdout)', async () => {
  for (const flags of [['--json', '--header'], ['--export', '--json'], ['--export', '--header'], ['--shell', 'fish', '--json'], ['--shell', 'fish', '--header']]) {
    assertUsageError(await runCli(['token', ...flags], { env: envOnly() }), /cannot be used with/);
  }
  assertUsageError(await runCli(['token', '--shell', 'tcsh'], { env: envOnly() }), /Allowed choices are sh, bash, zsh, fish, powershell/);
  assert.equal(emulator.counts.token, 0);
});

/** A child script that reports what it was given, as JSON on stdout. */
async function reporter(): Promise<string> {
  const script = join(configDir, 'report.mjs');
  await writeFile(
    script,
    `import { readFileSync } from 'node:fs';
let stdin = '';
for await (const chunk of process.stdin) stdin += chunk;
const pick = (name) => process.env[name];
console.log(JSON.stringify({
  env: { OCS_TOKEN: pick('OCS_TOKEN'), OCS_RESOURCE: pick('OCS_RESOURCE'), OCS_TENANT_ID: pick('OCS_TENANT_ID'), OCS_API_VERSION: pick('OCS_API_VERSION'), KEEP: pick('KEEP') },
  argv: process.argv.slice(2),
  stdin,
  parentArgv: readFileSync('/proc/' + process.ppid + '/cmdline', 'utf8').split('\\0'),
}));
process.stderr.write('to stderr\\n');
process.exitCode = Number(process.argv[2] ?? 0);
`,
  );
  return script;
}

test('exec gives the command the token and settings in its environment, passes stdin, stdout and stderr through, and exits with its code', async () => {
  const token = await rawToken();
  const script = await reporter();
  const result = await runCli(['exec', '--', process.execPath, script, '7', '-v', '--profile', 'x'], { env: envOnly({ KEEP: 'kept', OCS_API_VERSION: 'v1' }), input: 'from stdin\n' });
  assert.equal(result.code, 7, result.stderr);
  assert.equal(result.stderr, 'to stderr\n');
  const report = JSON.parse(result.stdout) as { env: Record<string, string>; argv: string[]; stdin: string; parentArgv: string[] };
  assert.deepEqual(report.env, { OCS_TOKEN: token, OCS_RESOURCE: emulator.resource, OCS_TENANT_ID: emulator.tenantId, OCS_API_VERSION: 'v1', KEEP: 'kept' });
  assert.deepEqual(report.argv, ['7', '-v', '--profile', 'x'], 'options after -- belong to the command');
  assert.equal(report.stdin, 'from stdin\n');
  assert.ok(report.parentArgv.some((arg) => arg.endsWith('ocs-auth.js')), `the parent is ocs-auth: ${report.parentArgv.join(' ')}`);
  assert.ok(!report.parentArgv.concat(report.argv).some((arg) => arg.includes(token)), 'the token is in no command line');
  assert.equal(emulator.counts.token, 1, 'the cached token was used');

  const zero = await runCli(['exec', process.execPath, script], { env: envOnly() });
  assert.equal(zero.code, 0, `without options, -- may be left out: ${zero.stderr}`);
});

test('exec passes on the API version and profile settings it resolved', async () => {
  const script = await reporter();
  const result = await runCli(['exec', '--api-version', 'v2-preview', '--', process.execPath, script], { env: envOnly() });
  assert.equal(result.code, 0, result.stderr);
  assert.equal((JSON.parse(result.stdout) as { env: Record<string, string> }).env.OCS_API_VERSION, 'v2-preview');
});

test('exec forwards SIGTERM to the command and exits with what the command makes of it', async () => {
  const script = join(configDir, 'trap.mjs');
  await writeFile(script, `process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(42); });\nconsole.log('ready');\nsetInterval(() => {}, 1000);\n`);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...envOnly() })) if (value !== undefined) env[key] = value;
  const child = spawn(process.execPath, [CLI, 'exec', '--', process.execPath, script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (code, signal) => resolve([code, signal])));
  await new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      if (stdout.includes('ready')) resolve();
    });
    void exited.then(() => reject(new Error(`exited before the command was ready: ${stderr}`)));
  });
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const [code, signal] = await exited;
  clearTimeout(timer);
  assert.equal(signal, null, 'ocs-auth itself did not die of the signal');
  assert.equal(code, 42, stderr);
  assert.match(stdout, /got SIGTERM/);
});

test('exec: a command killed by a signal gives 128+N, a missing one 127, one that cannot run 126', async () => {
  const killed = await runCli(['exec', '--', 'sh', '-c', 'kill -TERM $$'], { env: envOnly() });
  assert.equal(killed.code, 128 + 15, killed.stderr);

  const missing = await runCli(['exec', '--', 'no-such-command-ocs-auth'], { env: envOnly() });
  assert.equal(missing.code, 127);
  assert.match(missing.stderr, /command not found: no-such-command-ocs-auth/);
  assert.ok(!hasStackTrace(missing.stderr), missing.stderr);

  const notRunnable = await runCli(['exec', '--', configDir], { env: envOnly() });
  assert.equal(notRunnable.code, 126);
  assert.match(notRunnable.stderr, /cannot run/);
});

test("exec without --: the command's options taken by ocs-auth are refused, not silently dropped", async () => {
  const marker = join(configDir, 'ran');
  const result = await runCli(['exec', 'sh', '-c', `touch ${marker}`, '-v'], { env: envOnly() });
  assertUsageError(result, /put -- between/);
  assert.ok(!existsSync(marker), 'the command did not run');
  assertUsageError(await runCli(['exec', '--profil', 'x', '--', 'true'], { env: envOnly() }), /unknown option '--profil'/);
  assertUsageError(await runCli(['exec'], { env: envOnly() }), /missing required argument/);
});

test('exec with no token to be had fails like token (exit 3) and does not run the command', async () => {
  const marker = join(configDir, 'ran');
  const result = await runCli(['exec', '--client-credentials', '--', 'touch', marker], { env: envOnly({ OCS_CLIENT_SECRET: undefined }) });
  assert.equal(result.code, 3, result.stderr);
  assert.match(result.stderr, /login/);
  assert.ok(!existsSync(marker), 'the command did not run');
});
