import assert from 'node:assert/strict';
import { test } from 'node:test';
import { byCloseness, closest, editDistance } from '../../src/cli/suggest.ts';

test('edit distance counts an adjacent swap as one edit', () => {
  assert.equal(editDistance('whomai', 'whoami'), 1);
  assert.equal(editDistance('tokn', 'token'), 1);
  assert.equal(editDistance('bogus', 'logout'), 3);
  assert.equal(editDistance('', 'abc'), 3);
});

test('a typo gets its command; a word that is no typo gets none', () => {
  const commands = ['configure', 'login', 'token', 'whoami', 'status', 'logout', 'exec', 'completion', 'help'];
  assert.equal(closest('tokn', commands), 'token');
  assert.equal(closest('logut', commands), 'logout');
  assert.equal(closest('whomai', commands), 'whoami');
  assert.equal(closest('bogus', commands), undefined);
  assert.equal(closest('x', commands), undefined);
});

test('profiles are listed closest first', () => {
  assert.deepEqual(byCloseness('prdo', ['staging', 'dev', 'prod']), ['prod', 'dev', 'staging']);
});
