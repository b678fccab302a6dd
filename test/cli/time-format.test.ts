import assert from 'node:assert/strict';
import { test } from 'node:test';
import { relativeTime } from '../../src/cli/time-format.ts';

test('relative times read as people say them, the direction taken before rounding', () => {
  const now = Date.parse('2026-12-06T12:00:00Z');
  assert.equal(relativeTime(now + 42 * 60_000, now), 'in 42m');
  assert.equal(relativeTime(now + 65 * 60_000, now), 'in 1h 5m');
  assert.equal(relativeTime(now - 3 * 60_000, now), '3m ago');
  assert.equal(relativeTime(now - 2 * 86_400_000, now), '2d ago');
  // Something that happened a moment ago (a refused refresh) is not "in 0s".
  assert.equal(relativeTime(now - 300, now), '0s ago');
  assert.equal(relativeTime(now + 300, now), 'in 0s');
});
