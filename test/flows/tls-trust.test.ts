import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { rootCertificates } from 'node:tls';
import { UsageError } from '../../src/errors.ts';
import { describeTlsFailure, trustWithCaFile } from '../../src/flows/tls-trust.ts';
import { tempConfigDir } from '../helpers/cli.ts';
import { createTestCa, type TestCa } from '../helpers/test-ca.ts';

let ca: TestCa;
let dir: string;
let cleanup: () => Promise<void>;

before(async () => {
  ca = await createTestCa('tls-trust unit test root');
  ({ dir, cleanup } = await tempConfigDir());
});
after(async () => {
  await ca.cleanup();
  await cleanup();
});

test("a CA file adds to Node's roots: every bundled root is still trusted", async () => {
  const trusted = await trustWithCaFile(ca.certFile, {});
  for (const root of rootCertificates) assert.ok(trusted.includes(root));
  assert.equal(trusted.at(-1), (await readFile(ca.certFile, 'utf8')).trim());
});

test('a CA file with text around its certificates (as openssl writes them) is read', async () => {
  const { cert } = await ca.issue(['a.test']);
  const bundle = join(dir, 'bundle.pem');
  await writeFile(bundle, `Company root\n${cert}\nsubject=CN=something\n${cert}`);
  assert.deepEqual((await trustWithCaFile(bundle, {})).slice(-2), [cert.trim(), cert.trim()]);
});

test('an empty CA file is a usage error naming it', async () => {
  const empty = join(dir, 'empty.pem');
  await writeFile(empty, '');
  await assert.rejects(trustWithCaFile(empty, {}), (error: unknown) => error instanceof UsageError && error.message.includes(empty));
});

test('certificate failures in the user\'s words, never OpenSSL\'s', () => {
  for (const code of ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY']) {
    assert.match(describeTlsFailure(code, '')!.problem, /not trusted/);
  }
  assert.match(describeTlsFailure('CERT_HAS_EXPIRED', '')!.problem, /expired/);
  assert.match(describeTlsFailure('ERR_TLS_CERT_ALTNAME_INVALID', '')!.problem, /another host name/);
  assert.match(describeTlsFailure('EPROTO', 'C0D7:error:0A00010B:SSL routines:ssl3_get_record:wrong version number')!.problem, /does not speak https/);
  assert.match(describeTlsFailure('ERR_SSL_WRONG_VERSION_NUMBER', '')!.problem, /does not speak https/);
  assert.match(describeTlsFailure('EPROTO', 'sslv3 alert handshake failure')!.problem, /handshake failed/);
  assert.equal(describeTlsFailure('ECONNRESET', ''), undefined);
});
