import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KeychainStore, keychainEntryLimit, WINDOWS_ENTRY_CHARACTERS } from '../../src/store/keychain-store.ts';
import { SERVICE } from '../../src/store/secret-store.ts';
import { UntrustedPathError } from '../../src/errors.ts';

// test/run.sh provides a private gnome-keyring; CI must have it, a laptop may not.
const available = process.env.OCS_AUTH_TEST_KEYRING === '1';
const skip = !available && process.env.CI !== 'true' ? 'no test Secret Service (run through npm test with gnome-keyring installed)' : false;

const secretTool = async (...args: string[]) => (await promisify(execFile)('secret-tool', args)).stdout;

/** secret-tool store takes the value on stdin. */
function secretToolStore(username: string, value: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('secret-tool', ['store', '--label', 'test', 'service', SERVICE, 'username', username], (error) => (error ? reject(error) : resolve()));
    child.stdin!.on('error', () => {}); // a secret-tool that fails early says so in its exit code
    child.stdin!.end(value);
  });
}

test('the keychain store reads, writes, lists and deletes real Secret Service entries, filed under its namespace', { skip }, async () => {
  const namespace = `test-${randomUUID()}`;
  const store = new KeychainStore(namespace, { entryLimit: Infinity, sealedDir: tmpdir() });
  const account = 'default/client-credentials/client-secret';
  assert.equal(await store.get(account), undefined);
  await store.set(account, 's3cret value');
  assert.equal(await store.get(account), 's3cret value');
  assert.equal(await secretTool('lookup', 'service', SERVICE, 'username', `${namespace}:${account}`), 's3cret value');
  assert.deepEqual(await store.list(), [account]);
  assert.equal(await store.delete(account), true);
  assert.equal(await store.get(account), undefined);
  // A failed lookup is what "absent" looks like to secret-tool: exit 1 with no output.
  await assert.rejects(secretTool('lookup', 'service', SERVICE, 'username', `${namespace}:${account}`));
});

test('two config folders with a profile "default" do not share an entry', { skip }, async () => {
  const first = new KeychainStore(`test-${randomUUID()}`, { entryLimit: Infinity, sealedDir: tmpdir() });
  const second = new KeychainStore(`test-${randomUUID()}`, { entryLimit: Infinity, sealedDir: tmpdir() });
  const account = 'default/pkce/refresh-token';
  await first.set(account, 'first folder');
  await second.set(account, 'second folder');
  try {
    assert.equal(await first.get(account), 'first folder');
    assert.equal(await second.get(account), 'second folder');
    assert.deepEqual(await first.list(), [account]);
  } finally {
    await first.delete(account);
    await second.delete(account);
  }
});

/** A store held to Windows' limit, on the real keyring, with a config folder of its own. */
async function windowsSizedStore(t: TestContext): Promise<{ store: KeychainStore; namespace: string; configDir: string }> {
  const namespace = `test-${randomUUID()}`;
  const configDir = await mkdtemp(join(tmpdir(), 'ocs-auth-sealed-'));
  t.after(() => rm(configDir, { recursive: true, force: true }));
  return { store: new KeychainStore(namespace, { entryLimit: WINDOWS_ENTRY_CHARACTERS, sealedDir: configDir }), namespace, configDir };
}

/** Every file under `dir`, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1));
}

test('the per-entry limit is the platform\'s: 1,280 UTF-16 characters on Windows, none that matters elsewhere', () => {
  assert.equal(keychainEntryLimit('win32', {}), 1280);
  assert.equal(keychainEntryLimit('linux', {}), Infinity);
  assert.equal(keychainEntryLimit('darwin', {}), Infinity);
  // Tests hold the real keyring to Windows' limit, so the path Windows takes runs here.
  assert.equal(keychainEntryLimit('linux', { OCS_AUTH_TEST_KEYCHAIN_ENTRY_LIMIT: '1280' }), 1280);
});

for (const length of [3000, 10_000]) {
  test(`a ${length}-character secret on a keychain held to Windows' 1,280 characters an entry is kept, and no entry holds more`, { skip }, async (t) => {
    const { store, namespace, configDir } = await windowsSizedStore(t);
    const account = 'default/device-code/refresh-token';
    const value = JSON.stringify({ value: 'r'.repeat(length), stored_at: 1 });
    await store.set(account, value);
    assert.equal(await store.get(account), value);
    assert.deepEqual(await store.list(), [account]);
    const entry = await secretTool('lookup', 'service', SERVICE, 'username', `${namespace}:${account}`);
    assert.ok(entry.length <= WINDOWS_ENTRY_CHARACTERS, `the keychain entry holds ${entry.length} characters`);
    assert.ok(!entry.includes('rrrr'), 'the entry does not hold the secret');
    for (const file of await filesUnder(configDir)) {
      assert.ok(!(await readFile(join(configDir, file), 'utf8')).includes('rrrr'), `${file} holds no plain secret`);
    }

    // Rotated: the new value replaces the old, whose file goes.
    const rotated = JSON.stringify({ value: 's'.repeat(length + 1), stored_at: 2 });
    await store.set(account, rotated);
    assert.equal(await store.get(account), rotated);
    assert.equal((await filesUnder(configDir)).length, 1, 'one sealed file: the old one is removed');

    // Back to a short value: plain in the entry again, the sealed file gone.
    await store.set(account, 'short');
    assert.equal(await secretTool('lookup', 'service', SERVICE, 'username', `${namespace}:${account}`), 'short');
    assert.deepEqual(await filesUnder(configDir), []);

    await store.set(account, value);
    assert.equal(await store.delete(account), true);
    assert.equal(await store.get(account), undefined);
    assert.deepEqual(await store.list(), []);
    assert.deepEqual(await filesUnder(configDir), [], 'nothing left in the config folder');
  });
}

test('a sealed folder others may write, or a sealed file others may read, is refused naming it (exit 2), as every state folder is', { skip: skip || process.platform === 'win32' }, async (t) => {
  const { store, configDir } = await windowsSizedStore(t);
  await store.set('a/pkce/refresh-token', 'a'.repeat(2000));
  const folder = join(configDir, 'sealed');
  const [file] = await filesUnder(configDir);
  await chmod(folder, 0o777);
  for (const call of [() => store.get('a/pkce/refresh-token'), () => store.set('b/pkce/refresh-token', 'b'.repeat(2000))]) {
    await assert.rejects(call(), (error: unknown) => error instanceof UntrustedPathError && error.message.startsWith(`${folder} is writable by everyone`));
  }
  await chmod(folder, 0o700);
  await chmod(join(configDir, file!), 0o644);
  await assert.rejects(store.get('a/pkce/refresh-token'), (error: unknown) => error instanceof UntrustedPathError && error.message.startsWith(`${join(configDir, file!)} is readable by everyone`));
});

test('a sealed file that was damaged or swapped for another reads as nothing, never as another secret', { skip }, async (t) => {
  const { store, configDir } = await windowsSizedStore(t);
  await store.set('a/pkce/refresh-token', 'a'.repeat(2000));
  const [first] = await filesUnder(configDir);
  await store.set('b/pkce/refresh-token', 'b'.repeat(2000));
  const second = (await filesUnder(configDir)).find((file) => file !== first)!;
  // b's file in a's place: it does not open under a's key.
  await writeFile(join(configDir, first!), await readFile(join(configDir, second)));
  assert.equal(await store.get('a/pkce/refresh-token'), undefined);
  assert.equal(await store.get('b/pkce/refresh-token'), 'b'.repeat(2000));
  // And logout's delete still removes both the entry and the file.
  assert.equal(await store.delete('a/pkce/refresh-token'), true);
  assert.deepEqual(await filesUnder(configDir), [second]);
  await store.delete('b/pkce/refresh-token');
});

test('entries an earlier ocs-auth wrote (the value in the entry itself) still read, and a value that looks like a pointer is sealed, not taken for one', { skip }, async (t) => {
  const { store, namespace, configDir } = await windowsSizedStore(t);
  const account = 'default/pkce/refresh-token';
  // What ocs-auth wrote before entries could be sealed: the value itself, up to 1,280 characters.
  const old = JSON.stringify({ value: 'é'.repeat(1200), stored_at: 1 });
  await secretToolStore(`${namespace}:${account}`, old);
  assert.equal(await store.get(account), old);
  assert.deepEqual(await filesUnder(configDir), []);
  // A short value that reads like a pointer to a sealed file must come back as itself.
  const lookalike = 'ocs-auth-sealed:v1:0000000000000000-00.sealed:AAAA';
  await store.set(account, lookalike);
  assert.equal(await store.get(account), lookalike);
  await store.delete(account);
});

test('readers beside a writer rewriting the entry always get one whole value', { skip }, async (t) => {
  const { store } = await windowsSizedStore(t);
  const account = 'default/pkce/refresh-token';
  const values = Array.from({ length: 6 }, (_, i) => String(i).repeat(3000));
  await store.set(account, values[0]!);
  const reads: Array<string | undefined> = [];
  let writing = true;
  const readers = Array.from({ length: 3 }, async () => {
    while (writing) reads.push(await store.get(account));
  });
  for (const value of values.slice(1)) await store.set(account, value);
  writing = false;
  await Promise.all(readers);
  assert.ok(reads.length > 0);
  for (const read of reads) assert.ok(values.includes(read!), `read ${read?.slice(0, 10)}… (${read?.length})`);
  await store.delete(account);
});

for (const [what, next] of [
  ['a sealed one', 'b'.repeat(2000)],
  ['a short one, in the entry itself', 'short'],
] as const) {
  test(`a reader that read the entry just before a rewrite to ${what} removed its file reads the entry again and gets the new value`, { skip }, async (t) => {
    const { store, namespace } = await windowsSizedStore(t);
    const account = 'default/pkce/refresh-token';
    await store.set(account, 'a'.repeat(2000));
    const stale = await secretTool('lookup', 'service', SERVICE, 'username', `${namespace}:${account}`);
    await store.set(account, next);
    // The keychain answers this reader's first read with the entry as it was before the
    // rewrite, as it would have a moment earlier: the file it names is gone now.
    const keychain = (await store['keytar'])!;
    let first = true;
    store['keytar'] = Promise.resolve({ ...keychain, getPassword: async (service: string, name: string) => (first ? ((first = false), stale) : keychain.getPassword(service, name)) });
    assert.equal(await store.get(account), next);
    await store.delete(account);
  });
}
