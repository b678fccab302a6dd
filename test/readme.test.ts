// README.md is the first thing a new user runs: its commands must work today.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
const codeLines = [...readme.matchAll(/```(?:sh|yaml|console)\n([\s\S]*?)```/g)].flatMap((match) => match[1]!.split('\n'));

test('no command installs the unpublished registry name ocs-auth', () => {
  // Until the name is ours on the registry, whoever claims it would run in CI jobs that hold a client secret.
  const registryInstalls = codeLines.filter((line) => /npm (?:install|i)\b.*\s-g\s+ocs-auth(?:@\S*)?(?:\s|$)/.test(line.replace(/#.*/, '')));
  assert.deepEqual(registryInstalls, []);
  assert.match(readme, /not published on the npm registry yet/);
});

test('the install instructions build from a clone or install a packed tarball', () => {
  assert.ok(codeLines.some((line) => /npm ci && npm run build && npm install -g \.(\s|$)/.test(line)), 'from a clone');
  assert.ok(codeLines.some((line) => /npm install -g \.\/\S*ocs-auth-\S+\.tgz/.test(line)), 'from a packed tarball');
});

test('the first lines a profile user copies need no variables only the CI setup has', () => {
  // The second sh block: login, token, and a request. $OCS_* inside single quotes is the child's (exec).
  const block = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)][1]![1]!;
  assert.match(block, /ocs-auth login/);
  const unquoted = block.replace(/'[^']*'/g, "''").replace(/#.*/g, '');
  assert.doesNotMatch(unquoted, /\$OCS_/);
});

test('the CI section says where the token is cached, and the saved bash completion names its package', () => {
  assert.match(readme, /The token is cached between steps \(in `tokens\/` under the config folder/);
  assert.match(readme, /The saved bash script is loaded by the bash-completion package/);
});
