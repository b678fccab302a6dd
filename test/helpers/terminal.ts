// The built CLI on a pseudo-terminal, as a person at a keyboard meets it: script(1) gives it a
// real TTY, and each prompt gets its keys once it shows.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CLI } from './cli.ts';
import { skipWithout } from './requirements.ts';

export const SCRIPT = '/usr/bin/script';

/** The `skip` option of every test that needs script(1): see requirements.ts. */
export const needsScript = { skip: skipWithout(existsSync(SCRIPT), 'no script(1) to give the CLI a terminal') };

/** What to type at a prompt: the keys, or a function of the screen so far that finds them (e.g. by signing in somewhere). */
export type Keys = string | ((screen: string) => string | Promise<string>);

/**
 * Runs `ocs-auth ARGS…` with this process's environment less every OCS_* setting, plus `env`
 * (where a value is undefined, that variable is removed). Each step's keys are typed once its
 * prompt shows in what the CLI printed after the previous step's keys; a CLI that hangs is
 * killed after 20 s.
 */
export function onTerminal(args: string[], env: Record<string, string | undefined>, steps: [prompt: RegExp, keys: Keys][] = []): Promise<{ code: number | null; screen: string }> {
  const merged: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...env })) if (value !== undefined && (key in env || !key.startsWith('OCS_'))) merged[key] = value;
  return new Promise((resolve, reject) => {
    // exec: the CLI replaces script's shell, which would otherwise share the terminal's
    // signals (dash, the /bin/sh script(1) falls back to without $SHELL, dies of a Ctrl-C).
    const command = [process.execPath, CLI, ...args].map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ');
    const child = spawn(SCRIPT, ['-qec', `exec ${command}`, '/dev/null'], { env: merged, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    let seen = 0;
    let step = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    // Keys typed after the CLI ended find the pipe closed: the screen and exit code tell the test.
    child.stdin.on('error', () => {});
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      screen += text;
      while (step < steps.length && steps[step]![0].test(screen.slice(seen))) {
        seen = screen.length;
        const keys = steps[step++]![1];
        Promise.resolve(typeof keys === 'function' ? keys(screen) : keys).then(
          (typed) => child.stdin.write(typed),
          (error: unknown) => {
            child.kill('SIGKILL');
            reject(error);
          },
        );
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, screen });
    });
  });
}
