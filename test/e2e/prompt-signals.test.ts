// A signal at an interactive prompt (not Ctrl-C typed into it): SIGTERM from a supervisor,
// `kill -INT` from another terminal. script(1) gives the CLI a real pseudo-terminal.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { CLI } from '../helpers/cli.ts';
import { configDir, useE2eFixture } from '../helpers/e2e-fixture.ts';
import { needsScript, SCRIPT } from '../helpers/terminal.ts';

useE2eFixture();

const SHOW_CURSOR = '\u001b[?25h';

/** `ocs-auth configure` on a pseudo-terminal, sent `signal` once its first question shows. */
function signalAtPrompt(signal: NodeJS.Signals): Promise<{ code: number | null; screen: string }> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('OCS_')) env[key] = value;
    // exec: the CLI replaces the shell, so script's child is the CLI itself.
    const child = spawn(SCRIPT, ['-qec', `exec "${process.execPath}" "${CLI}" configure -p fresh`, '/dev/null'], {
      env: { ...env, OCS_AUTH_CONFIG_DIR: configDir },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    let sent = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      screen += text;
      if (!sent && /Resource \(region\)/.test(screen)) {
        sent = true;
        void readFile(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').then((children) => process.kill(Number(children.trim().split(' ')[0]), signal));
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, screen });
    });
  });
}

for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
  test(`${signal} at a prompt exits ${code} with one line, the cursor shown again`, needsScript, async () => {
    const { code: exitCode, screen } = await signalAtPrompt(signal);
    assert.equal(exitCode, code, screen);
    const text = screen.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
    assert.match(text, new RegExp(`\\nerror: interrupted by ${signal}\\r?\\n$`));
    const lastHide = screen.lastIndexOf('\u001b[?25l');
    assert.ok(lastHide === -1 || screen.lastIndexOf(SHOW_CURSOR) > lastHide, `cursor left hidden: ${JSON.stringify(screen.slice(-200))}`);
  });
}
