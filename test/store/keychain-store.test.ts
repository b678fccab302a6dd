import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { KeychainStore, MAX_ENTRY_BYTES } from '../../src/store/keychain-store.ts';
import { SERVICE } from '../../src/store/secret-store.ts';

// test/run.sh provides a private gnome-keyring; CI must have it, a laptop may not.
const available = process.env.OCS_AUTH_TEST_KEYRING === '1';
const skip = !available && process.env.CI !== 'true' ? 'no test Secret Service (run through npm test with gnome-keyring installed)' : false;

const secretTool = async (...args: string[]) => (await promisify(execFile)('secret-tool', args)).stdout;

test('the keychain store reads, writes, lists and deletes real Secret Service entries', { skip }, async () => {
  const store = new KeychainStore();
  const account = `test-${randomUUID()}/client-credentials/client-secret`;
  assert.equal(await store.get(account), undefined);
  await store.set(account, 's3cret value');
  assert.equal(await store.get(account), 's3cret value');
  assert.equal(await secretTool('lookup', 'service', SERVICE, 'username', account), 's3cret value');
  assert.ok((await store.list()).includes(account));
  assert.equal(await store.delete(account), true);
  assert.equal(await store.get(account), undefined);
  assert.equal(await secretTool('lookup', 'service', SERVICE, 'username', account).catch(() => ''), '');
});

test('entries over the Windows limit of 2,560 bytes are refused before they reach the keychain', { skip }, async () => {
  const store = new KeychainStore();
  const account = `test-${randomUUID()}/pkce/access-token`;
  await assert.rejects(store.set(account, 'x'.repeat(MAX_ENTRY_BYTES + 1)), /more than the keychain's 2560/);
  assert.equal(await store.get(account), undefined);
});
