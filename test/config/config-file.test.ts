import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, chown, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { configFilePath, loadConfigFile, parseConfig, saveConfigFile } from '../../src/config/config-file.ts';
import { UsageError } from '../../src/errors.ts';
import { tempConfigDir } from '../helpers/cli.ts';
import { asNobody, cliEveryoneCanRun, isRoot, NOBODY } from '../helpers/unprivileged.ts';

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

test('an unreadable config file is a usage error naming it (run as an unprivileged user: root reads anything)', async () => {
  const { dir, cleanup } = await tempConfigDir();
  const { cli, cleanup: removeCli } = await cliEveryoneCanRun();
  try {
    await writeFile(configFilePath(dir), '[default]\n', { mode: 0o000 });
    if (isRoot) {
      await chown(dir, NOBODY, NOBODY);
      await chown(configFilePath(dir), NOBODY, NOBODY);
    }
    const env = { PATH: process.env.PATH ?? '', OCS_AUTH_CONFIG_DIR: dir };
    const failure = await promisify(execFile)(asNobody[0]!, [...asNobody.slice(1), process.execPath, cli, 'status'], { env, cwd: tmpdir() }).then(
      () => assert.fail('status read an unreadable config file'),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(failure.code, 2, failure.stderr);
    assert.match(failure.stderr, new RegExp(`^error: cannot read ${configFilePath(dir)}: permission denied$`, 'm'));
  } finally {
    await removeCli();
    await cleanup();
  }
});

test('a config folder or config.ini that others may write, or that another user owns, is refused as ssh would (exit 2, path and fix named)', async () => {
  const { dir, cleanup } = await tempConfigDir();
  const refused = async (pattern: RegExp, hint: RegExp) =>
    assert.rejects(loadConfigFile(dir), (error: unknown) => {
      assert.ok(error instanceof UsageError, String(error));
      assert.match(error.message, pattern);
      assert.match(error.hint ?? '', hint);
      return true;
    });
  try {
    await saveConfigFile(dir, { default: { tenant_id: 't' } });
    assert.deepEqual(await loadConfigFile(dir), { default: { tenant_id: 't' } });
    await chmod(dir, 0o770);
    await refused(new RegExp(`^${dir} is writable by its group`), new RegExp(`chmod go-w '${dir}'`));
    await chmod(dir, 0o707);
    await refused(/is writable by everyone/, /chmod go-w/);
    await chmod(dir, 0o755);
    assert.deepEqual(await loadConfigFile(dir), { default: { tenant_id: 't' } }, 'readable by others is fine: no secret lives in config.ini');
    await chmod(configFilePath(dir), 0o666);
    await refused(new RegExp(`^${configFilePath(dir)} is writable by everyone`), /chmod go-w/);
    await chmod(configFilePath(dir), 0o600);
    if (isRoot || process.env.CI === 'true') {
      // Root can give the folder away; in CI the suite runs as root, so this never skips there.
      await chown(dir, NOBODY, NOBODY);
      await refused(new RegExp(`^${dir} belongs to another user \\(uid ${NOBODY}\\)`), /chown/);
    }
  } finally {
    await cleanup();
  }
});

test('a lone CR or a U+2028/U+2029 inside a line is refused naming file and line: ini would read it as other lines, or no key', () => {
  const cases: Array<[string, RegExp]> = [
    ['[ok]\nresource = https://a.example\r[$(touch /tmp/ocs-auth-pwned)]\rflow = pkce\n', /config\.ini:2: a carriage return not followed by a newline/],
    ['[ok]\nflow = pkce\nresource = https://a.example\u2028\n', /config\.ini:3: a U\+2028 line separator/],
    ['[ok]\r\nscope = openid\u2029ocsapi\r\n', /config\.ini:2: a U\+2029 line separator/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseConfig(text, '/x/config.ini'), (error: unknown) => error instanceof UsageError && message.test(error.message), JSON.stringify(text));
  }
  assert.deepEqual(parseConfig('[ok]\r\nflow = pkce\r\n', '/x/config.ini'), { ok: { flow: 'pkce' } }, 'CRLF line ends are fine');
});
