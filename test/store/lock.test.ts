import assert from 'node:assert/strict';
import { readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { NetworkError } from '../../src/errors.ts';
import { acquireLock, lockHostId } from '../../src/store/lock.ts';
import { tempConfigDir } from '../helpers/cli.ts';

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const { dir, cleanup } = await tempConfigDir();
  try {
    await run(dir);
  } finally {
    await cleanup();
  }
}

async function age(path: string, ms: number): Promise<void> {
  const then = new Date(Date.now() - ms);
  await utimes(path, then, then);
}

test('a live holder on this host is never taken over, however old its lock', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'session.lock');
    // This test process is alive: as holder it must be waited for, even after an hour.
    await writeFile(path, JSON.stringify({ id: 'alive', pid: process.pid, host: await lockHostId(), at: 0 }));
    await age(path, 3_600_000);
    await assert.rejects(acquireLock(dir, 'session', { maxWaitMs: 300, staleMs: 100 }), (error: unknown) => error instanceof NetworkError && /pid \d+/.test(error.message));
    assert.equal(JSON.parse(await readFile(path, 'utf8')).id, 'alive');
  });
});

test('a dead holder on this host is taken over at once', async () => {
  await withDir(async (dir) => {
    // Far above any pid_max: no such process.
    await writeFile(join(dir, 'session.lock'), JSON.stringify({ id: 'dead', pid: 2 ** 30, host: await lockHostId() }));
    const release = await acquireLock(dir, 'session', { maxWaitMs: 300 });
    await release();
    assert.deepEqual(await readdir(dir), []);
  });
});

test('a holder elsewhere is waited for while its heartbeat goes on, and taken over once it stops', async () => {
  await withDir(async (dir) => {
    const path = join(dir, 'session.lock');
    await writeFile(path, JSON.stringify({ id: 'elsewhere', pid: process.pid, host: 'another-container pid:[1]' }));
    await assert.rejects(acquireLock(dir, 'session', { maxWaitMs: 300, staleMs: 1_000 }), NetworkError);
    await age(path, 5_000);
    const release = await acquireLock(dir, 'session', { maxWaitMs: 300, staleMs: 1_000 });
    await release();
  });
});

test('a holder keeps its lock fresh with a heartbeat', async () => {
  await withDir(async (dir) => {
    const release = await acquireLock(dir, 'session', { heartbeatMs: 50 });
    const path = join(dir, 'session.lock');
    await age(path, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(Date.now() - (await stat(path)).mtimeMs < 1_000, 'touched again');
    await release();
  });
});

test('releasing never removes a lock someone else holds now', async () => {
  await withDir(async (dir) => {
    const release = await acquireLock(dir, 'session');
    const path = join(dir, 'session.lock');
    // Presumed dead while paused, its lock was taken over by another process.
    const successor = JSON.stringify({ id: 'successor', pid: process.pid, host: await lockHostId() });
    await writeFile(path, successor);
    await release();
    assert.equal(await readFile(path, 'utf8'), successor);
    assert.deepEqual(await readdir(dir), ['session.lock'], 'nothing else left behind');
  });
});
