// Ctrl-C (SIGINT) and SIGTERM in the middle of a token request, a lock wait and a browser
// login: exit 130/143 at once, one line and no stack trace, the lock released, the loopback
// port freed, nothing half-written.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, afterEach, test } from 'node:test';
import { CLI, closedPort, hasStackTrace } from '../helpers/cli.ts';
import { configDir, emulator, envOnly, pkceEnv, useE2eFixture } from '../helpers/e2e-fixture.ts';
import { SecretWatch } from '../helpers/secret-watch.ts';

const watch = new SecretWatch();
afterEach(() => watch.collect(configDir));
useE2eFixture();
after(() => watch.assertClean());

interface Running {
  pid: number;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }>;
  kill(signal: NodeJS.Signals): number;
}

function start(args: string[], env: Record<string, string | undefined>): Running {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OCS_') && key !== 'BROWSER'));
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...clean, ...env } as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout })),
  );
  const kill = (signal: NodeJS.Signals): number => {
    child.kill(signal);
    return Date.now();
  };
  exited.then(({ code, stdout: out }) => watch.secret(code === 0 ? out.trim() : undefined));
  return { pid: child.pid!, stderr: () => stderr, exited, kill };
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Every file under the config folder, lock and temporary files included. */
async function filesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath ?? entry.path, entry.name).slice(dir.length + 1)).sort();
}

/** `verbose`: the run was under --verbose, where a stack trace is allowed. */
async function assertInterrupted(running: Running, signal: NodeJS.Signals, code: number, message: RegExp, verbose = false): Promise<void> {
  const sent = running.kill(signal);
  const result = await running.exited;
  const took = Date.now() - sent;
  assert.equal(result.code, code, running.stderr());
  assert.ok(took < 2000, `exited ${took} ms after ${signal}`);
  assert.equal(result.stdout, '');
  assert.match(running.stderr(), message);
  if (!verbose) assert.ok(!hasStackTrace(running.stderr()), running.stderr());
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  test(`${signal} during a token request exits ${code} at once, releases the lock and stores nothing`, async () => {
    watch.secret(emulator.confidentialClient.clientSecret);
    emulator.addFault({ route: 'token', delayMs: 20_000, times: 1 });
    const running = start(['token', '--client-credentials'], envOnly());
    await until(() => emulator.counts.token === 1, 'the token request');
    await assertInterrupted(running, signal, code, /interrupted/);
    // The discovery document is all there is: no lock, no credentials, no temporary file.
    assert.deepEqual((await filesIn(configDir)).filter((name) => !name.startsWith('cache/discovery-')), []);
    assert.deepEqual(await readdir(join(configDir, 'locks')), []);
  });
}

test('SIGTERM while waiting for another process holding the lock exits 143 at once; the holder still finishes', async () => {
  // Long enough for a slow start of the waiter on a loaded machine to still find the lock held.
  emulator.addFault({ route: 'token', delayMs: 5000, times: 1 });
  const holder = start(['token', '--client-credentials'], envOnly());
  await until(() => emulator.counts.token === 1, 'the holder to request a token');
  // --verbose: the waiter says when it starts to wait, and its SIGTERM handler is in place long
  // before (Node's own default handling shows in SigCgt from start-up on, so that tells nothing).
  const waiter = start(['token', '--client-credentials', '--verbose'], envOnly());
  await until(() => waiter.stderr().includes('waiting for another ocs-auth process'), 'the waiter to wait for the lock');
  await assertInterrupted(waiter, 'SIGTERM', 143, /interrupted while waiting for another ocs-auth process/, true);
  const held = await holder.exited;
  assert.equal(held.code, 0, holder.stderr());
  assert.equal(emulator.counts.token, 1);
  assert.deepEqual(await readdir(join(configDir, 'locks')), []);
});

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

test('SIGTERM while a browser login waits closes the loopback server and exits 143 with nothing stored', async () => {
  const port = await closedPort();
  const running = start(['login', '--pkce', '--no-browser', '--redirect-uri', `http://localhost:${port}/callback.html`], pkceEnv());
  await until(() => running.stderr().includes('/connect/authorize?'), 'the login URL');
  assert.equal(await portIsFree(port), false, 'waiting on the port');
  await assertInterrupted(running, 'SIGTERM', 143, /login interrupted/);
  assert.ok(await portIsFree(port));
  assert.deepEqual((await filesIn(configDir)).filter((name) => !name.startsWith('cache/')), []);
});
