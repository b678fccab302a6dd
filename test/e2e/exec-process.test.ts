// What `exec` hands its command besides the token: nothing secret of ocs-auth's own, and
// each signal once. script(1) gives the CLI a real pseudo-terminal, where Ctrl-C reaches
// the whole foreground process group.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, runCli } from '../helpers/cli.ts';
import { configDir, envOnly, useE2eFixture } from '../helpers/e2e-fixture.ts';
import { needsScript, onTerminal } from '../helpers/terminal.ts';

useE2eFixture();

function childEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...envOnly(extra) })) if (value !== undefined) env[key] = value;
  return env;
}

test("exec leaves ocs-auth's own secrets out of the command's environment", async () => {
  const result = await runCli(['exec', '--', process.execPath, '-e', 'console.log(JSON.stringify(process.env))'], { env: envOnly() });
  assert.equal(result.code, 0, result.stderr);
  const env = JSON.parse(result.stdout) as Record<string, string>;
  assert.ok(env.OCS_TOKEN, 'the command has its token');
  assert.equal(env.OCS_CLIENT_SECRET, undefined, 'the client secret stayed behind');
  assert.ok(!result.stdout.includes(envOnly().OCS_CLIENT_SECRET!), 'the secret is nowhere in the environment');
});

/** A command that counts the SIGINTs it gets and reports them a moment after the first. */
async function counter(): Promise<string> {
  const script = join(configDir, 'count-sigint.mjs');
  await writeFile(
    script,
    `let count = 0;
process.on('SIGINT', () => {
  if (count++ === 0) setTimeout(() => { console.log('SIGINTs: ' + count); process.exit(0); }, 700);
});
console.log('ready');
setInterval(() => {}, 1000);
`,
  );
  return script;
}

test('exec passes a SIGINT sent to ocs-auth alone (kill -INT) on to the command, once', async () => {
  const script = await counter();
  const child = spawn(process.execPath, [CLI, 'exec', '--', process.execPath, script], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  let sent = false;
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
    if (sent || !stdout.includes('ready')) return;
    sent = true;
    child.kill('SIGINT');
  });
  const code = await exited;
  clearTimeout(timer);
  assert.match(stdout, /SIGINTs: 1\b/, stderr);
  assert.equal(code, 0, stderr);
});

test('exec on a terminal: one Ctrl-C reaches the command once', needsScript, async () => {
  const script = await counter();
  const { code, screen } = await onTerminal(['exec', '--', process.execPath, script], envOnly(), [[/ready/, '\x03']]);
  assert.match(screen, /SIGINTs: 1\b/, screen);
  assert.equal(code, 0, screen);
});
