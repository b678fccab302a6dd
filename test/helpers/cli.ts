import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../bin/ocs-auth.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  /** Written to the child's stdin, which is then closed. */
  input?: string;
  timeoutMs?: number;
  /** Called with each stderr chunk as it arrives (e.g. to catch a login URL). */
  onStderr?: (text: string) => void;
}

/**
 * Runs the built CLI as a user's shell would: a child process with no TTY. The child sees
 * none of this process's OCS_* variables, only those the test passes.
 */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('OCS_') && key !== 'BROWSER' && key !== 'NO_COLOR') env[key] = value;
  }
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      options.onStderr?.(text);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** A fresh, empty config folder, removed by the returned cleanup. */
export async function tempConfigDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'ocs-auth-test-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A failure as the SPEC wants it: the exit code, nothing on stdout, one clear message, no stack trace. */
export function assertFailure(result: CliResult, code: number, message: RegExp): void {
  assert.equal(result.code, code, result.stderr);
  assert.equal(result.stdout, '', 'stdout stays empty on failure');
  assert.match(result.stderr, message);
  assert.ok(!hasStackTrace(result.stderr), result.stderr);
}

/** stderr of a failed run must be a message, not a stack trace. */
export function hasStackTrace(stderr: string): boolean {
  return /^\s+at .+:\d+:\d+\)?$/m.test(stderr);
}

/** A loopback port nobody listens on: connecting to it is refused at once. */
export function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * What a CI runner sets for env-only client credentials, with a config folder of the
 * test's own and file storage (the keychain has tests of its own).
 */
export function clientCredentialsEnv(
  emulator: { resource: string; tenantId: string; confidentialClient: { clientId: string; clientSecret: string } },
  configDir: string,
  extra: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    OCS_RESOURCE: emulator.resource,
    OCS_TENANT_ID: emulator.tenantId,
    OCS_CLIENT_ID: emulator.confidentialClient.clientId,
    OCS_CLIENT_SECRET: emulator.confidentialClient.clientSecret,
    OCS_AUTH_CONFIG_DIR: configDir,
    OCS_AUTH_STORAGE: 'file',
    ...extra,
  };
}
