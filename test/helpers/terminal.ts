// The built CLI on a pseudo-terminal, as a person at a keyboard meets it: script(1) gives it a
// real TTY, and each prompt gets its keys once it shows.
import { spawn } from 'node:child_process';
import { CLI } from './cli.ts';

export const SCRIPT = '/usr/bin/script';

/**
 * Runs `ocs-auth ARGS` with this process's environment less every OCS_* setting, plus `env`.
 * Each step's keys are typed once its prompt shows in what the CLI printed after the previous
 * step's keys; a CLI that hangs is killed after 20 s.
 */
export function onTerminal(args: string, env: Record<string, string>, steps: [prompt: RegExp, keys: string][]): Promise<{ code: number | null; screen: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key, value]) => value !== undefined && !key.startsWith('OCS_')));
  return new Promise((resolve, reject) => {
    const child = spawn(SCRIPT, ['-qec', `exec "${process.execPath}" "${CLI}" ${args}`, '/dev/null'], { env: { ...clean, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    let seen = 0;
    let step = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      screen += text;
      while (step < steps.length && steps[step]![0].test(screen.slice(seen))) {
        seen = screen.length;
        child.stdin.write(steps[step++]![1]);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, screen });
    });
  });
}
