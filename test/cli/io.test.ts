import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { printTo } from '../../src/cli/io.ts';

function collector(): { stream: () => Writable; written: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { stream: () => stream, written: () => Buffer.concat(chunks).toString('utf8') };
}

test('printTo writes the whole text to the file descriptor, and never makes the stream', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ocs-auth-print-'));
  try {
    const file = join(dir, 'out');
    const fd = openSync(file, 'w');
    const text = `${'é'.repeat(100_000)}\n`;
    printTo(fd, () => assert.fail('the stream was asked for'), text);
    closeSync(fd);
    assert.equal(readFileSync(file, 'utf8'), text);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('what the file descriptor refuses goes on through the stream, unchanged', () => {
  const { stream, written } = collector();
  // A descriptor number far above any this process has open: EBADF.
  printTo(1 << 20, stream, 'token\n');
  assert.equal(written(), 'token\n');
});
