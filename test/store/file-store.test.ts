import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
    assert.deepEqual((await readdir(dir)).sort(), ['credentials.json', 'locks'], 'no temporary files left');
    assert.deepEqual(await readdir(join(dir, 'locks')), [], 'no lock left behind');
    assert.equal(store.describe(), credentialsFilePath(dir));
  } finally {
    await cleanup();
  }
});

test('a damaged credentials file reads as empty with one warning, and is moved aside, never overwritten, by the next write', async () => {
  const { dir, cleanup } = await tempConfigDir();
  try {
    const damaged = '{"entries": {"a": "trunc';
    await writeFile(credentialsFilePath(dir), damaged, { mode: 0o600 });
    const warnings: string[] = [];
    const store = new FileStore(dir, (message) => warnings.push(message));
    assert.equal(await store.get('a'), undefined);
    assert.deepEqual(await store.list(), []);
    assert.equal(await store.delete('a'), false);
    assert.equal(warnings.length, 1, 'warned once');
    assert.ok(warnings[0]!.includes(credentialsFilePath(dir)), warnings[0]);
    assert.equal(await readFile(credentialsFilePath(dir), 'utf8'), damaged, 'reading leaves it as it is');

    await store.set('b', 'c');
    const aside = (await readdir(dir)).filter((name) => name.startsWith('credentials.json.damaged-'));
    assert.equal(aside.length, 1);
    assert.equal(await readFile(join(dir, aside[0]!), 'utf8'), damaged, 'every byte kept');
    assert.match(warnings[1]!, /kept as .*credentials\.json\.damaged-/);
    assert.equal(await store.get('b'), 'c');
  } finally {
    await cleanup();
  }
});

test('a credentials path that cannot be read or written is a usage error naming it', async () => {
  const { dir, cleanup } = await tempConfigDir();
  try {
    await mkdir(credentialsFilePath(dir));
    const store = new FileStore(dir);
    await assert.rejects(store.get('a'), (error: unknown) => error instanceof UsageError && error.message.includes(credentialsFilePath(dir)));
    await writeFile(join(dir, 'file'), '');
    const under = new FileStore(join(dir, 'file', 'sub'));
    await assert.rejects(under.get('a'), (error: unknown) => error instanceof UsageError && /cannot read .*file\/sub/.test(error.message));
    await assert.rejects(under.set('a', 'b'), (error: unknown) => error instanceof UsageError && /cannot (read|write) .*file\/sub/.test(error.message));
  } finally {
    await cleanup();
  }
});

test('parallel writers through separate stores lose nothing: every read-modify-write is locked', async () => {
  const { dir, cleanup } = await tempConfigDir();
  try {
    const writers = Array.from({ length: 24 }, () => new FileStore(dir));
    await Promise.all(writers.map((store, index) => store.set(`p${index}/pkce/refresh-token`, `r${index}`)));
    const entries = await new FileStore(dir).list();
    assert.equal(entries.length, 24, `kept ${entries.length} of 24 entries`);
    await Promise.all(writers.map((store, index) => (index % 2 === 0 ? store.delete(`p${index}/pkce/refresh-token`) : store.set(`p${index}/pkce/refresh-token`, `s${index}`))));
    const after = new FileStore(dir);
    for (let index = 0; index < 24; index += 1) assert.equal(await after.get(`p${index}/pkce/refresh-token`), index % 2 === 0 ? undefined : `s${index}`);
  } finally {
    await cleanup();
  }
});
