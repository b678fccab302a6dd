import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { UsageError } from '../../src/errors.ts';
import { FileStore, credentialsFilePath } from '../../src/store/file-store.ts';
import { tempConfigDir } from '../helpers/cli.ts';

test('the file store keeps entries in credentials.json, mode 0600, and nothing else behind', async () => {
  const { dir, cleanup } = await tempConfigDir();
  try {
    const store = new FileStore(dir);
    assert.equal(await store.get('p/pkce/refresh-token'), undefined);
    await store.set('p/pkce/refresh-token', 'r1');
    await store.set('p/client-credentials/client-secret', 's1');
    assert.equal(await store.get('p/pkce/refresh-token'), 'r1');
    assert.deepEqual((await store.list()).sort(), ['p/client-credentials/client-secret', 'p/pkce/refresh-token']);
    assert.equal(await store.delete('p/pkce/refresh-token'), true);
    assert.equal(await store.delete('p/pkce/refresh-token'), false);
    assert.deepEqual(await store.list(), ['p/client-credentials/client-secret']);
    assert.equal((await stat(credentialsFilePath(dir))).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(dir), ['credentials.json'], 'no temporary files left');
    assert.equal(store.describe(), credentialsFilePath(dir));
  } finally {
    await cleanup();
  }
});

test('a damaged credentials file is reported and never overwritten', async () => {
  const { dir, cleanup } = await tempConfigDir();
  try {
    await writeFile(credentialsFilePath(dir), '{"entries": {"a": "trunc');
    const store = new FileStore(dir);
    await assert.rejects(store.get('a'), (error: unknown) => error instanceof UsageError && /damaged/.test(error.message));
    await assert.rejects(store.set('a', 'b'), UsageError);
    assert.equal(await readFile(credentialsFilePath(dir), 'utf8'), '{"entries": {"a": "trunc');
  } finally {
    await cleanup();
  }
});
