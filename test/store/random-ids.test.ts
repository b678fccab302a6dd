import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomHex, randomUUID } from '../../src/store/random-ids.ts';

for (const platform of ['linux', 'win32'] as const) {
  const source = platform === 'win32' ? 'Windows (node:crypto)' : 'Linux (/dev/urandom)';

  test(`random hex on ${source}: the length asked for, never the same twice`, () => {
    const ids = Array.from({ length: 2000 }, () => randomHex(6, platform));
    for (const id of ids) assert.match(id, /^[0-9a-f]{12}$/);
    assert.equal(new Set(ids).size, ids.length);
    // Every hex digit turns up in every position: not a counter, not a constant part.
    for (let position = 0; position < 12; position += 1) assert.equal(new Set(ids.map((id) => id[position])).size, 16, `position ${position}`);
  });

  test(`random UUIDs on ${source}: version 4, RFC 9562 variant, never the same twice`, () => {
    const ids = Array.from({ length: 2000 }, () => randomUUID(platform));
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(new Set(ids).size, ids.length);
    for (const position of [0, 9, 15, 20, 35]) assert.equal(new Set(ids.map((id) => id[position])).size, 16, `position ${position}`);
  });
}
