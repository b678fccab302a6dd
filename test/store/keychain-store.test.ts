import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { KeychainStore, MAX_ENTRY_CHARACTERS } from '../../src/store/keychain-store.ts';
import { SERVICE } from '../../src/store/secret-store.ts';

// test/run.sh provides a private gnome-keyring; CI must have it, a laptop may not.
const available = process.env.OCS_AUTH_TEST_KEYRING === '1';
const skip = !available && process.env.CI !== 'true' ? 'no test Secret Service (run through npm test with gnome-keyring installed)' : false;

const secretTool = async (...args: string[]) => (await promisify(execFile)('secret-tool', args)).stdout;

test('the keychain store reads, writes, lists and deletes real Secret Service entries, filed under its namespace', { skip }, async () => {
  const namespace = `test-${randomUUID()}`;
  const store = new KeychainStore(namespace);
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
  const first = new KeychainStore(`test-${randomUUID()}`);
  const second = new KeychainStore(`test-${randomUUID()}`);
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

test('entries over the Windows limit of 1,280 UTF-16 characters are refused before they reach the keychain', { skip }, async () => {
  const store = new KeychainStore(`test-${randomUUID()}`);
  const account = 'default/pkce/refresh-token';
  // 2,000 ASCII characters are 2,000 bytes of UTF-8 but 4,000 of UTF-16: too large for Windows.
  await assert.rejects(store.set(account, 'x'.repeat(2000)), /2000 characters, more than a keychain entry holds on Windows \(1280\)/);
  assert.equal(await store.get(account), undefined);
  // 1,280 characters fit, whatever their UTF-8 length.
  await store.set(account, 'é'.repeat(MAX_ENTRY_CHARACTERS));
  assert.equal(await store.get(account), 'é'.repeat(MAX_ENTRY_CHARACTERS));
  await store.delete(account);
});
