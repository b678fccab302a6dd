// The completion scripts, loaded in the real shells and asked what they complete: commands,
// options, option values and profile names (read from config.ini at completion time through
// the built CLI on PATH).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cliOnPath } from '../helpers/cli-on-path.ts';
import { runCli, tempConfigDir } from '../helpers/cli.ts';
import { requirePresent, skipWithout } from '../helpers/requirements.ts';

const run = promisify(execFile);
const ZSH = ['/usr/bin/zsh', '/bin/zsh'].find((path) => existsSync(path));
const FISH = ['/usr/bin/fish', '/usr/local/bin/fish'].find((path) => existsSync(path));
const ZSH_DRIVER = fileURLToPath(new URL('zsh-complete.zsh', import.meta.url));
const missing = (name: string) => `${name} is not installed (.ci/run installs it)`;

let dir: string;
let cleanup: () => Promise<void>;
let bin: Awaited<ReturnType<typeof cliOnPath>>;
const scripts: Record<string, string> = {};
let env: Record<string, string>;

before(async () => {
  [{ dir, cleanup }, bin] = await Promise.all([tempConfigDir(), cliOnPath()]);
  await writeFile(join(dir, 'config.ini'), '[default]\nflow = pkce\n\n[prod-eu]\nflow = client-credentials\n\n[staging]\nflow = pkce\n');
  env = { PATH: bin.path, HOME: dir, OCS_AUTH_CONFIG_DIR: dir };
  for (const shell of ['bash', 'zsh', 'fish']) {
    const result = await runCli(['completion', shell]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    scripts[shell] = join(dir, `completion.${shell}`);
    await writeFile(scripts[shell]!, result.stdout);
  }
});
after(async () => {
  await Promise.all([cleanup(), bin.cleanup()]);
});

const PROFILES = ['default', 'prod-eu', 'staging'];
const SHELLS = ['sh', 'bash', 'zsh', 'fish', 'powershell'];

test('every script names every command and the options of token', async () => {
  for (const shell of ['bash', 'zsh', 'fish']) {
    const text = await readFile(scripts[shell]!, 'utf8');
    // (fish spells options without their dashes: -l min-validity)
    for (const word of ['configure', 'login', 'token', 'whoami', 'status', 'logout', 'exec', 'api', 'paginate', 'completion', 'min-validity', 'export', 'header', 'json', 'profile']) {
      assert.ok(text.includes(word), `${shell} script lacks ${word}`);
    }
  }
});

test('--profiles lists the sections of config.ini; a broken or missing file lists nothing, quietly', async () => {
  const listed = await runCli(['completion', '--profiles'], { env: { OCS_AUTH_CONFIG_DIR: dir } });
  assert.equal(listed.stdout, PROFILES.map((name) => `${name}\n`).join(''));
  const { dir: other, cleanup: done } = await tempConfigDir();
  try {
    assert.deepEqual(await runCli(['completion', '--profiles'], { env: { OCS_AUTH_CONFIG_DIR: other } }).then((r) => [r.code, r.stdout, r.stderr]), [0, '', '']);
    await writeFile(join(other, 'config.ini'), 'garbage\u0000\n');
    assert.deepEqual(await runCli(['completion', '--profiles'], { env: { OCS_AUTH_CONFIG_DIR: other } }).then((r) => [r.code, r.stdout, r.stderr]), [0, '', '']);
  } finally {
    await done();
  }
});

test('no shell, or one we do not know, is a usage error', async () => {
  const none = await runCli(['completion']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /bash\|zsh\|fish/);
  const unknown = await runCli(['completion', 'tcsh']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Allowed choices are bash, zsh, fish/);
});

test('the scripts parse: bash -n, zsh -n, fish --no-execute', async () => {
  await run('bash', ['-n', scripts.bash!]);
  if (skipWithout(ZSH, 'zsh') === false) await run(requirePresent(ZSH, 'zsh'), ['-n', scripts.zsh!]);
  if (skipWithout(FISH, 'fish') === false) await run(requirePresent(FISH, 'fish'), ['--no-execute', scripts.fish!]);
});

/** COMPREPLY for a command line already split into words the way bash splits them. */
async function bashComplete(words: string[]): Promise<string[]> {
  const program = [
    'source "$1"; shift',
    'COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}',
    '_ocs_auth ocs-auth "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const { stdout } = await run('bash', ['--norc', '--noprofile', '-c', program, 'bash', scripts.bash!, ...words], { env });
  return stdout.split('\n').filter(Boolean);
}

test('bash completes commands, options, choices and profile names', async () => {
  assert.deepEqual(await bashComplete(['ocs-auth', 'to']), ['token']);
  assert.deepEqual(await bashComplete(['ocs-auth', '--verbose', 'wh']), ['whoami']);
  assert.deepEqual(await bashComplete(['ocs-auth', 'token', '--he']), ['--header', '--help']);
  assert.deepEqual(await bashComplete(['ocs-auth', 'token', '--shell', '']), SHELLS);
  assert.deepEqual(await bashComplete(['ocs-auth', 'token', '-p', '']), PROFILES);
  assert.deepEqual(await bashComplete(['ocs-auth', 'whoami', '--profile', 'pr']), ['prod-eu']);
  // bash splits "--profile=" and URLs at "=" and ":" (COMP_WORDBREAKS).
  assert.deepEqual(await bashComplete(['ocs-auth', 'exec', '--profile', '=', 'st']), ['staging']);
  assert.deepEqual(await bashComplete(['ocs-auth', 'token', '--resource', 'https', ':', '//eu']), ['//euno.datahub.connect.aveva.com']);
  assert.deepEqual(await bashComplete(['ocs-auth', 'token', '--tenant-id', '']), [], 'nothing to offer for an id');
  assert.deepEqual(await bashComplete(['ocs-auth', 'token', '--acc']), ['--account-id']);
  assert.deepEqual(await bashComplete(['ocs-auth', 'login', '--disc']), ['--discovery-url']);
  assert.deepEqual(await bashComplete(['ocs-auth', 'exec', '--account-id', '']), []);
  assert.deepEqual(await bashComplete(['ocs-auth', 'configure', '--resource', 'https', ':', '//pla']), ['//platform.connect.aveva.com']);
  assert.deepEqual(await bashComplete(['ocs-auth', 'completion', '']), ['bash', 'zsh', 'fish']);
  assert.deepEqual(await bashComplete(['ocs-auth', 'ap']), ['api']);
  assert.deepEqual(await bashComplete(['ocs-auth', 'api', '-X', 'P']), ['POST', 'PUT', 'PATCH']);
  assert.deepEqual(await bashComplete(['ocs-auth', 'api', '--pag']), ['--paginate']);
  assert.deepEqual(await bashComplete(['ocs-auth', 'api', '--typ']), ['--typed-field']);
  for (const command of ['api', 'exec', 'whoami', 'configure']) assert.deepEqual(await bashComplete(['ocs-auth', command, '--names']), ['--namespace'], command);
  assert.ok((await bashComplete(['ocs-auth', 'exec', '--', 'ba'])).includes('bash'), 'after --, commands');
  assert.deepEqual(await bashComplete(['ocs-auth', 'exec', '--', 'ls', '--pro']), [], 'after --, not ocs-auth options');
});

/** What zsh offers after a Tab on `line`: a real interactive zsh on a pseudo-terminal (zpty). */
async function zshComplete(line: string): Promise<string[]> {
  const out = join(dir, `zsh-${Math.random().toString(36).slice(2)}`);
  await run(requirePresent(ZSH, 'zsh'), ['-f', ZSH_DRIVER, scripts.zsh!, out, line], { env, timeout: 20_000 });
  const text = await readFile(out, 'utf8').catch(() => '');
  return [...new Set(text.split('\n').filter(Boolean))];
}

test('zsh completes commands, options, choices, profile names and the command after exec --', { skip: skipWithout(ZSH, missing('zsh')) }, async () => {
  assert.deepEqual(await zshComplete('ocs-auth to'), ['token']);
  assert.deepEqual(await zshComplete('ocs-auth token --sh'), ['--shell']);
  assert.deepEqual(await zshComplete('ocs-auth token --shell '), SHELLS);
  assert.deepEqual(await zshComplete('ocs-auth token -p '), PROFILES);
  assert.deepEqual(await zshComplete('ocs-auth token --resource https://eu'), ['https://euno.datahub.connect.aveva.com']);
  assert.deepEqual(await zshComplete('ocs-auth token --pkce --client-'), ['--client-id'], '--pkce rules out --client-credentials');
  assert.ok((await zshComplete('ocs-auth exec -- ba')).includes('bash'));
});

async function fishComplete(line: string): Promise<string[]> {
  const { stdout } = await run(requirePresent(FISH, 'fish'), ['--no-config', '-c', `source ${scripts.fish}; complete -C ${JSON.stringify(line)}`], { env });
  return stdout.split('\n').filter(Boolean).map((candidate) => candidate.split('\t')[0]!);
}

test('fish completes commands, options, choices, profile names and the command after exec --', { skip: skipWithout(FISH, missing('fish')) }, async () => {
  assert.deepEqual(await fishComplete('ocs-auth to'), ['token']);
  assert.deepEqual(await fishComplete('ocs-auth token --sh'), ['--shell']);
  assert.deepEqual((await fishComplete('ocs-auth token --shell ')).sort(), [...SHELLS].sort());
  assert.deepEqual(await fishComplete('ocs-auth token -p '), PROFILES);
  assert.deepEqual(await fishComplete('ocs-auth token --resource https://eu'), ['https://euno.datahub.connect.aveva.com']);
  assert.deepEqual(await fishComplete('ocs-auth token --tenant-id '), []);
  assert.ok((await fishComplete('ocs-auth exec -- ba')).includes('bash'));
  assert.deepEqual(await fishComplete('ocs-auth exec -- ls --pro'), [], 'after --, not ocs-auth options');
});

test('profile names reach every shell as quoted words, never expanded: a name like $(touch x) is offered, not run', async () => {
  // A stand-in ocs-auth that lists hostile names, as a config.ini the checker let through would.
  const fake = join(dir, 'fake-bin');
  const markers = ['one', 'two', 'three'].map((name) => join(dir, `ran-${name}`));
  const names = [`$(touch ${markers[0]})`, `\`touch ${markers[1]}\``, `a;touch ${markers[2]}`];
  await mkdir(fake, { recursive: true });
  await writeFile(join(fake, 'ocs-auth'), `#!/bin/sh\nprintf '%s\\n' ${names.map((name) => `'${name}'`).join(' ')}\n`, { mode: 0o755 });
  const hostileEnv = { ...env, PATH: `${fake}:/usr/bin:/bin` };
  const { stdout } = await run('bash', ['--norc', '--noprofile', '-c', 'source "$1"; COMP_WORDS=(ocs-auth token -p ""); COMP_CWORD=3; _ocs_auth; printf "%s\\n" "${COMPREPLY[@]}"', 'bash', scripts.bash!], { env: hostileEnv });
  assert.deepEqual(stdout.split('\n').filter(Boolean), names.map((name) => name.replace(/[^\w/.-]/g, '\\$&')), 'bash: each name quoted as printf %q does');
  if (ZSH) await run(ZSH, ['-f', ZSH_DRIVER, scripts.zsh!, join(dir, 'zsh-hostile'), 'ocs-auth token -p '], { env: hostileEnv, timeout: 20_000 });
  if (FISH) await run(FISH, ['--no-config', '-c', `source ${scripts.fish}; complete -C "ocs-auth token -p "`], { env: hostileEnv });
  for (const marker of markers) assert.ok(!existsSync(marker), `${marker}: a completion ran a profile name`);
});
