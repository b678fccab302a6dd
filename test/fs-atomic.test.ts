import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../src/errors.ts';
import { writeFileAtomic } from '../src/fs-atomic.ts';
import { acquireLock } from '../src/lock.ts';
import { tempConfigDir } from './helpers/cli.ts';

// Tests run as root, for whom permission bits do not bite: a file where a folder should be
// (ENOTDIR) and a folder where a file should be (EISDIR) stand in for EACCES and EROFS, which
// take the same path through fsUsageError.
test('a folder that cannot hold our files is a usage error naming the path, and leaves no temporary file', async () => {
  const { dir, cleanup } = await tempConfigDir();
  try {
    await writeFile(join(dir, 'plain-file'), '');
    await assert.rejects(writeFileAtomic(join(dir, 'plain-file', 'config.ini'), 'x'), (error: unknown) =>
      error instanceof UsageError && error.message === `cannot write ${join(dir, 'plain-file')}: a part of the path is a file, not a folder`);
    await mkdir(join(dir, 'config.ini'));
    await assert.rejects(writeFileAtomic(join(dir, 'config.ini'), 'x'), (error: unknown) =>
      error instanceof UsageError && error.message.startsWith(`cannot write ${join(dir, 'config.ini')}`));
    assert.deepEqual((await readdir(dir)).sort(), ['config.ini', 'plain-file'], 'no temporary file left behind');
    await assert.rejects(acquireLock(join(dir, 'plain-file', 'locks'), 'x'), (error: unknown) =>
      error instanceof UsageError && error.message.includes(join(dir, 'plain-file', 'locks')));
  } finally {
    await cleanup();
  }
});

test('a lock wait ends at once when the interrupt signal aborts, as SIGTERM (143) or SIGINT (130)', async () => {
  const { dir, cleanup } = await tempConfigDir();
  try {
    const release = await acquireLock(dir, 'busy');
    for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
      const controller = new AbortController();
      const waiting = acquireLock(dir, 'busy', { signal: controller.signal });
      setTimeout(() => controller.abort(signal), 100);
      const started = Date.now();
      await assert.rejects(waiting, (error: unknown) => (error as { exitCode?: number }).exitCode === code);
      assert.ok(Date.now() - started < 1000);
    }
    await release();
    assert.deepEqual(await readdir(dir), []);
  } finally {
    await cleanup();
  }
});
