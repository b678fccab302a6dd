// The suite starts Chromium, fish and zsh: none of them may write into the developer's home.
import assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { test } from 'node:test';

test('the suite runs with a throwaway HOME (test/run.sh), so spawned browsers and shells write there', () => {
  const home = process.env.HOME ?? '';
  assert.ok(realpathSync(home).startsWith(realpathSync(tmpdir())), `HOME is ${home}`);
  assert.ok(process.env.XDG_CONFIG_HOME?.startsWith(home) && process.env.XDG_CACHE_HOME?.startsWith(home));
});
