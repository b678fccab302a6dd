import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { StoredToken } from '../../src/flows/stored-token.ts';
import {
  exportCommand,
  formatToken,
  quotePowerShell,
  tokenDocument,
  tokenFormat,
} from '../../src/commands/token-output.ts';
import { requirePresent, skipWithout } from '../helpers/requirements.ts';

const run = promisify(execFile);

// Everything a quoting function could get wrong. Real tokens are base64url, but eval does
// not know that.
const HOSTILE = [
  '',
  "'",
  "''",
  "it's",
  "a'b'c",
  '"',
  '\\',
  "\\'",
  "a\\'b",
  '\\\\',
  '$HOME',
  '${HOME}',
  '$(touch /tmp/ocs-auth-pwned)',
  '`touch /tmp/ocs-auth-pwned`',
  '; touch /tmp/ocs-auth-pwned',
  '&& true',
  '| cat',
  '*',
  '~',
  '!!',
  '%s%n',
  'two\nlines',
  'trailing newline\n',
  'tab\there',
  ' leading and trailing spaces ',
  '‘curly’ ‚quotes‛',
  '(echo hi)',
  '{a,b}',
  '#not a comment',
  'ünïcødé ✓',
  'eyJhbGciOiJSUzI1NiJ9.eyJ0aWQiOiJ4In0.c2lnbmF0dXJl',
];

async function evaluated(shell: string, args: string[], line: string): Promise<string> {
  // printf %s writes the value back byte for byte, trailing newlines included.
  const { stdout } = await run(shell, [...args, `${line}\nprintf %s "$OCS_TOKEN"`], { env: { PATH: process.env.PATH ?? '' } });
  return stdout;
}

for (const shell of ['sh', 'bash', 'dash']) {
  test(`sh syntax: every hostile value comes back unchanged from ${shell}`, { skip: skipWithout(existsSync(`/bin/${shell}`), `no /bin/${shell}`) }, async () => {
    for (const value of HOSTILE) {
      const line = exportCommand('sh', 'OCS_TOKEN', value);
      assert.match(line, /^export OCS_TOKEN='/);
      assert.equal(await evaluated(shell, ['-c'], line), value, line);
    }
    assert.ok(!existsSync('/tmp/ocs-auth-pwned'), 'nothing was executed');
  });
}

const fish = ['/usr/bin/fish', '/usr/local/bin/fish'].find((path) => existsSync(path));
test('fish syntax: every hostile value comes back unchanged from fish', { skip: skipWithout(fish, 'fish is not installed (.ci/run installs it)') }, async () => {
  for (const value of HOSTILE) {
    const line = exportCommand('fish', 'OCS_TOKEN', value);
    assert.match(line, /^set -gx OCS_TOKEN '/);
    const { stdout } = await run(requirePresent(fish, 'fish'), ['--no-config', '-c', `${line}\nprintf %s "$OCS_TOKEN"`]);
    assert.equal(stdout, value, line);
  }
});

test('fish syntax by string rules: only \\ and \' are escaped inside the quotes', () => {
  assert.equal(exportCommand('fish', 'OCS_TOKEN', "a'b\\c$d"), "set -gx OCS_TOKEN 'a\\'b\\\\c$d'");
  for (const value of HOSTILE) assert.equal(unquoteFish(exportCommand('fish', 'OCS_TOKEN', value).slice('set -gx OCS_TOKEN '.length)), value);
});

// PowerShell is not installed here: its single-quoted string is read back by its documented
// rule (a quote character, including the typographic ones, is written twice).
function unquotePowerShell(literal: string): string {
  assert.match(literal, /^'.*'$/s);
  const body = literal.slice(1, -1);
  let value = '';
  for (let i = 0; i < body.length; i++) {
    const char = body[i]!;
    if (/['\u2018\u2019\u201A\u201B]/.test(char)) {
      assert.ok(/['\u2018\u2019\u201A\u201B]/.test(body[i + 1] ?? ''), `an undoubled quote ends the string early in ${literal}`);
      i++;
    }
    value += char;
  }
  return value;
}

function unquoteFish(literal: string): string {
  assert.match(literal, /^'.*'$/s);
  const body = literal.slice(1, -1);
  let value = '';
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '\\' && (body[i + 1] === '\\' || body[i + 1] === "'")) i++;
    else assert.notEqual(body[i], "'", `an unescaped quote ends the string early in ${literal}`);
    value += body[i];
  }
  return value;
}

test('PowerShell syntax: $env: assignment, every quote doubled, the value read back unchanged', () => {
  assert.equal(exportCommand('powershell', 'OCS_TOKEN', "it's"), "$env:OCS_TOKEN = 'it''s'");
  assert.equal(quotePowerShell('‘x’'), "'‘‘x’’'");
  for (const value of HOSTILE) {
    const line = exportCommand('powershell', 'OCS_TOKEN', value);
    assert.ok(line.startsWith('$env:OCS_TOKEN = '), line);
    assert.equal(unquotePowerShell(line.slice('$env:OCS_TOKEN = '.length)), value);
  }
});

test('a variable name that is not one is refused rather than written into a command', () => {
  assert.throws(() => exportCommand('sh', 'OCS TOKEN; rm', 'x'));
});

test('flags pick the format; --export is sh unless --shell names another; --shell alone means --export', () => {
  assert.deepEqual(tokenFormat({}), { kind: 'raw' });
  assert.deepEqual(tokenFormat({ export: true }), { kind: 'export', shell: 'sh' });
  assert.deepEqual(tokenFormat({ shell: 'powershell' }), { kind: 'export', shell: 'powershell' });
  assert.deepEqual(tokenFormat({ shell: 'zsh' }), { kind: 'export', shell: 'sh' });
  assert.deepEqual(tokenFormat({ header: true }), { kind: 'header' });
  assert.deepEqual(tokenFormat({ json: true }), { kind: 'json' });
});

const NOW = Date.parse('2026-01-02T03:04:05.000Z');
const TOKEN: StoredToken = {
  access_token: 'aaa.bbb.ccc',
  token_type: 'Bearer',
  expires_at: NOW + 2_519_900,
  resource: 'https://uswe.datahub.connect.aveva.com',
  discovery_url: 'https://uswe.datahub.connect.aveva.com/identity/.well-known/openid-configuration',
  tenant_id: 'tenant-1',
  account_id: null,
  client_id: 'client-1',
  issuer: 'https://uswe.datahub.connect.aveva.com/identity',
};
const SESSION = { profile: 'prod', flow: 'pkce' } as const;

test('raw and header are the token and one newline, nothing else', () => {
  assert.equal(formatToken({ kind: 'raw' }, TOKEN, SESSION, NOW), 'aaa.bbb.ccc\n');
  assert.equal(formatToken({ kind: 'header' }, TOKEN, SESSION, NOW), 'Authorization: Bearer aaa.bbb.ccc\n');
  assert.equal(formatToken({ kind: 'export', shell: 'sh' }, TOKEN, SESSION, NOW), "export OCS_TOKEN='aaa.bbb.ccc'\n");
});

test('JSON: exactly the SPEC keys in order, expiry as ISO 8601 and whole seconds left', () => {
  const text = formatToken({ kind: 'json' }, TOKEN, SESSION, NOW);
  assert.ok(text.endsWith('}\n'));
  const document = JSON.parse(text) as Record<string, unknown>;
  assert.deepEqual(Object.keys(document), ['access_token', 'token_type', 'expires_at', 'expires_in', 'profile', 'flow', 'tenant_id', 'resource']);
  assert.deepEqual(document, {
    access_token: 'aaa.bbb.ccc',
    token_type: 'Bearer',
    expires_at: '2026-01-02T03:46:04.900Z',
    expires_in: 2519,
    profile: 'prod',
    flow: 'pkce',
    tenant_id: 'tenant-1',
    resource: 'https://uswe.datahub.connect.aveva.com',
  });
  assert.equal(tokenDocument(TOKEN, SESSION, TOKEN.expires_at + 5000).expires_in, 0, 'never negative');
});

test('JSON for a CONNECT account: account_id after the SPEC keys, tenant_id present and null', () => {
  const account: StoredToken = { ...TOKEN, resource: 'https://platform.connect.aveva.com', tenant_id: null, account_id: 'account-1' };
  const document = tokenDocument(account, SESSION, NOW);
  assert.equal(document.tenant_id, null);
  assert.equal(document.account_id, 'account-1');
  assert.deepEqual(Object.keys(JSON.parse(formatToken({ kind: 'json' }, account, SESSION, NOW))), [
    'access_token', 'token_type', 'expires_at', 'expires_in', 'profile', 'flow', 'tenant_id', 'resource', 'account_id',
  ]);
});
