import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { envOnly, useE2eFixture } from '../helpers/e2e-fixture.ts';
import { runCli } from '../helpers/cli.ts';

useE2eFixture();

/** Every module a run loads, as NODE_DEBUG=module reports it: built-ins by name, files by path. */
function loadedModules(stderr: string): string[] {
  const loaded = new Set<string>();
  for (const match of stderr.matchAll(/Module\._load REQUEST (\S+) parent: (\S+)|load built-in module (\S+)|load "([^"]+)"/g)) {
    const name = match[1] ?? match[3] ?? match[4]!;
    loaded.add(name.startsWith('.') ? join(match[2]!, '..', name) : name);
  }
  return [...loaded];
}

test('a cached token loads neither the rest of the CLI nor commander, no HTTP stack, no prompts, no node:crypto and nothing from node_modules', async () => {
  assert.equal((await runCli(['token', '--client-credentials'], { env: envOnly() })).code, 0);
  const warm = await runCli(['token', '--client-credentials'], { env: envOnly({ NODE_DEBUG: 'module' }) });
  assert.equal(warm.code, 0, warm.stderr);
  const loaded = loadedModules(warm.stderr);
  assert.ok(loaded.some((name) => name.endsWith('start.cjs')), `NODE_DEBUG=module reported the CLI's own entry: ${loaded.join(', ')}`);
  const heavy = loaded.filter((name) => /^(node:)?(crypto|https?|http2|net|tls|zlib)$|node_modules|main\.cjs$|vendor[/\\](commander|got|@inquirer)/.test(name));
  assert.deepEqual(heavy, [], 'loaded on the hot path');
});

/**
 * Node's own modules, internal ones included (process.moduleLoadList at exit), that
 * `ocs-auth ARGS` sets up beyond what Node does for an empty script (`node -e 0` sets up
 * more: node:module and the ESM loader).
 */
async function nodeModulesBeyondBare(args: string[]): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'ocs-auth-modules-'));
  try {
    const preload = join(dir, 'report.cjs');
    await writeFile(preload, "process.on('exit', () => require('node:fs').writeSync(2, '\\nmodules: ' + JSON.stringify(process.moduleLoadList) + '\\n'));\n");
    const modules = (stderr: string) => JSON.parse(/^modules: (.*)$/m.exec(stderr)![1]!) as string[];
    const empty = join(dir, 'empty.cjs');
    await writeFile(empty, '');
    const bare = modules((await promisify(execFile)(process.execPath, [`--require=${preload}`, empty])).stderr);
    const run = await runCli(args, { env: envOnly({ NODE_OPTIONS: `--require=${preload}` }) });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(bare.includes('NativeModule fs'), `the report lists Node's modules: ${bare.join(', ')}`);
    return modules(run.stderr).filter((name) => !bare.includes(name));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("a cached token sets up none of Node's streams, promise file API, crypto, node:os, ESM loader or parseArgs: it prints with a plain write", async () => {
  assert.equal((await runCli(['token', '--client-credentials'], { env: envOnly() })).code, 0);
  const added = await nodeModulesBeyondBare(['token', '--client-credentials']);
  const avoidable = added.filter((name) =>
    /^NativeModule (stream|internal\/streams\/.*|internal\/fs\/(promises|streams|sync_write_stream)|readline|internal\/readline\/.*|crypto|tty|net|os|module|internal\/modules\/esm\/.*|internal\/util\/parse_args\/.*)$/.test(name),
  );
  assert.deepEqual(avoidable, [], 'set up on the hot path');
});

test("a cached token starts no threads beyond bare Node's: no libuv thread pool (its four threads cost ~2.5 ms of CPU)", { skip: process.platform !== 'linux' && 'counts threads in /proc' }, async () => {
  assert.equal((await runCli(['token', '--client-credentials'], { env: envOnly() })).code, 0);
  const dir = await mkdtemp(join(tmpdir(), 'ocs-auth-threads-'));
  try {
    const preload = join(dir, 'threads.cjs');
    // At exit, once all a run's work is done: the threads the process has then.
    await writeFile(preload, "process.on('exit', () => require('node:fs').writeSync(2, '\\nthreads: ' + require('node:fs').readdirSync('/proc/self/task').length + '\\n'));\n");
    const threads = (stderr: string) => Number(/^threads: (\d+)$/m.exec(stderr)![1]);
    const empty = join(dir, 'empty.cjs');
    await writeFile(empty, '');
    const bare = threads((await promisify(execFile)(process.execPath, [`--require=${preload}`, empty])).stderr);
    const run = await runCli(['token', '--client-credentials'], { env: envOnly({ NODE_OPTIONS: `--require=${preload}` }) });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(threads(run.stderr), bare, `threads: bare Node ${bare}, a cached token ${threads(run.stderr)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a new token from a plain-http server loads neither commander, hpagent nor jsonc-parser, no TLS, crypto or DNS, and no node:fs/promises', async () => {
  const forced = await runCli(['token', '--client-credentials', '--force'], { env: envOnly({ NODE_DEBUG: 'module' }) });
  assert.equal(forced.code, 0, forced.stderr);
  const files = loadedModules(forced.stderr);
  assert.ok(files.some((name) => /vendor[/\\]got\.cjs$/.test(name)), `NODE_DEBUG=module reported got: ${files.join(', ')}`);
  assert.deepEqual(files.filter((name) => /vendor[/\\](commander|hpagent|jsonc-parser)/.test(name)), [], 'loaded for a new token');
  const added = await nodeModulesBeyondBare(['token', '--client-credentials', '--force']);
  // crypto: random names and ids come from /dev/urandom (src/store/random-ids.ts); dns: no
  // host name to look up, and got's DNS cache is left out of the bundle.
  const avoidable = added.filter((name) =>
    /^NativeModule (tls|_tls_wrap|https|http2|internal\/fs\/promises|readline|internal\/readline\/.*|crypto|internal\/crypto\/.*|dns|internal\/dns\/promises)$/.test(name),
  );
  assert.deepEqual(avoidable, [], 'set up for a new token from a plain-http server');
});

test('the compile cache lives in the per-user cache folder, works from the cache, and a folder that cannot be made costs nothing', async () => {
  const home = await mkdtemp(join(tmpdir(), 'ocs-auth-cache-home-'));
  try {
    const env = envOnly({ XDG_CACHE_HOME: home, NODE_COMPILE_CACHE: undefined, NODE_DISABLE_COMPILE_CACHE: undefined });
    // --force writes the token, which imports node:crypto with import(): from cached code the
    // second time (on Node 20, node:vm's cached code cannot import() by itself).
    for (const run of ['first', 'cached']) {
      const result = await runCli(['token', '--client-credentials', '--force'], { env });
      assert.equal(result.code, 0, `${run} run: ${result.stderr}`);
      assert.equal(result.stderr, '', `${run} run`);
    }
    // The CLI's own cache, on every Node (not Node's, which would need node:module loaded),
    // and it must take main.cjs: the build keeps import() out of it.
    const entries = await readdir(join(home, 'ocs-auth', 'compile-cache'), { recursive: true });
    const own = new RegExp(`^ocs-auth-[0-9a-f]{16}-node-${process.version}-${process.arch}[/\\\\](start|main)\\.cjs$`);
    assert.deepEqual(entries.filter((entry) => own.test(entry)).length, 2, `Node ${process.version}: ${entries.join(', ')}`);

    const off = await mkdtemp(join(tmpdir(), 'ocs-auth-cache-off-'));
    const disabled = await runCli(['token', '--client-credentials'], { env: { ...env, XDG_CACHE_HOME: off, NODE_DISABLE_COMPILE_CACHE: '1' } });
    assert.equal(disabled.code, 0, disabled.stderr);
    assert.deepEqual(await readdir(off), [], 'NODE_DISABLE_COMPILE_CACHE turns it off');
    await rm(off, { recursive: true });

    // A file where the cache folder would go: the folder cannot be made.
    const blocked = join(home, 'blocked');
    await writeFile(blocked, '');
    const second = await runCli(['token', '--client-credentials'], { env: { ...env, XDG_CACHE_HOME: blocked } });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stderr, '');
    assert.match(second.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});
