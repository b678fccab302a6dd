import assert from 'node:assert/strict';
import { chmod, mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../../src/errors.ts';
import { writeFileAtomic } from '../../src/store/fs-atomic.ts';
import { acquireLock } from '../../src/store/lock.ts';
import { tempConfigDir } from '../helpers/cli.ts';

// A file where a folder should be (ENOTDIR) and a folder where a file should be (EISDIR);
// test/e2e/file-system.test.ts makes EACCES and EROFS happen for real.
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

test("a write removes the temporary files an earlier writer of the same file left when it died, not a live writer's", async () => {
  const { dir, cleanup } = await tempConfigDir();
  try {
    const target = join(dir, 'credentials.json');
    const crashed = join(dir, 'credentials.json.0123456789ab.tmp');
    const live = join(dir, 'credentials.json.ba9876543210.tmp');
    const other = join(dir, 'config.ini.0123456789ab.tmp');
    for (const file of [crashed, live, other]) await writeFile(file, 'secret', { mode: 0o600 });
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    await utimes(crashed, twoMinutesAgo, twoMinutesAgo);
    await utimes(other, twoMinutesAgo, twoMinutesAgo);
    await writeFileAtomic(target, '{}');
    assert.deepEqual((await readdir(dir)).sort(), ['config.ini.0123456789ab.tmp', 'credentials.json', 'credentials.json.ba9876543210.tmp']);
  } finally {
    await cleanup();
  }
});

test('a reader looping while large contents are written sees the old content or the new, never a torn file', async () => {
  const { dir, cleanup } = await tempConfigDir();
  try {
    const target = join(dir, 'credentials.json');
    // Large enough that a write in place takes several system calls, and a reader gets between them.
    const contents = ['a', 'b'].map((fill) => fill.repeat(4 * 1024 * 1024));
    await writeFileAtomic(target, contents[0]!);
    let writing = true;
    const torn: string[] = [];
    let reads = 0;
    const reader = (async () => {
      while (writing) {
        const text = await readFile(target, 'utf8');
        reads++;
        if (!contents.includes(text)) torn.push(`${text.length} bytes starting ${JSON.stringify(text.slice(0, 1))}`);
      }
    })();
    // Written until the reader has read often enough, not a set number of times: how many
    // reads fit between writes depends on the machine's load.
    let writes = 0;
    while (reads < 40 && writes < 400) await writeFileAtomic(target, contents[++writes % 2]!);
    writing = false;
    await reader;
    assert.ok(reads >= 40, `the reader read while the writes went on (${reads} reads in ${writes} writes)`);
    assert.deepEqual(torn, [], `${torn.length} of ${reads} reads saw a torn file`);
  } finally {
    await cleanup();
  }
});

test('a file that exists with mode 0644 is 0600 once written: the new mode does not depend on the file being new', async () => {
  const { dir, cleanup } = await tempConfigDir();
  try {
    const target = join(dir, 'credentials.json');
    await writeFile(target, '{}', { mode: 0o644 });
    await chmod(target, 0o644);
    await writeFileAtomic(target, '{"entries":{}}');
    assert.equal((await stat(target)).mode & 0o777, 0o600);
  } finally {
    await cleanup();
  }
});
