import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { configFilePath, loadConfigFile, parseConfig, saveConfigFile } from '../src/config.ts';
import { UsageError } from '../src/errors.ts';
import { tempConfigDir } from './helpers/cli.ts';

test('a missing config file is an empty config', async () => {
  const { dir, cleanup } = await tempConfigDir();
  try {
    assert.deepEqual(await loadConfigFile(dir), {});
  } finally {
    await cleanup();
  }
});

test('profiles round-trip through config.ini, written with mode 0600', async () => {
  const { dir, cleanup } = await tempConfigDir();
  try {
    const config = {
      default: { resource: 'https://uswe.datahub.connect.aveva.com', tenant_id: 't1', client_id: 'c1', flow: 'pkce' },
      ci: { resource: 'https://dat-b.osisoft.com', tenant_id: 't2', client_id: 'c2', scope: 'openid ocsapi offline_access' },
    };
    await saveConfigFile(dir, config);
    assert.deepEqual(await loadConfigFile(dir), config);
    assert.equal((await stat(configFilePath(dir))).mode & 0o777, 0o600);
    assert.doesNotMatch(await readFile(configFilePath(dir), 'utf8'), /secret/i);
  } finally {
    await cleanup();
  }
});

test('garbage in config.ini is a usage error naming file and line', () => {
  assert.throws(() => parseConfig('[default]\nresource = https://x\nthis is not ini\n', '/c/config.ini'), (error: unknown) => {
    assert.ok(error instanceof UsageError);
    assert.equal(error.exitCode, 2);
    assert.match(error.message, /\/c\/config\.ini:3/);
    return true;
  });
  assert.throws(() => parseConfig('\u0000\u0001binary', 'f'), UsageError);
  assert.throws(() => parseConfig('resource = https://x\n', 'f'), /outside any \[profile\]/);
  assert.throws(() => parseConfig('[default]\ntenantid = x\n', 'f'), /unknown key "tenantid"/);
  assert.throws(() => parseConfig('[bad name]\n', 'f'), /invalid profile name/);
});

test('comments and blank lines are fine', () => {
  assert.deepEqual(parseConfig('; comment\n# another\n\n[p1]\ntenant_id = abc\n', 'f'), { p1: { tenant_id: 'abc' } });
});

test('an unreadable config file is a usage error', async () => {
  const { dir, cleanup } = await tempConfigDir();
  try {
    await writeFile(configFilePath(dir), '[default]\n', { mode: 0o000 });
    // root reads anything: only assert where permissions bite
    if (process.getuid?.() !== 0) await assert.rejects(loadConfigFile(dir), UsageError);
  } finally {
    await cleanup();
  }
});

test('values that would break the INI structure are refused, not written', async () => {
  const { dir, cleanup } = await tempConfigDir();
  try {
    await assert.rejects(saveConfigFile(dir, { default: { scope: 'openid\n[evil]\nresource = https://evil' } }), UsageError);
    await assert.rejects(saveConfigFile(dir, { 'a]b': { scope: 'x' } }), UsageError);
  } finally {
    await cleanup();
  }
});
