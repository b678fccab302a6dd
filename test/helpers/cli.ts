import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
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
    // A CLI that exits before reading its stdin (a usage error) closes the pipe: not the test's failure.
    child.stdin.on('error', () => {});
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

/**
 * A loopback port nobody listens on: connecting to it is refused at once, and the CLI may
 * bind it. It lies outside the kernel's ephemeral range, so no outgoing connection of a
 * parallel test can be given it between this check and the CLI's bind (a port the kernel
 * picked with listen(0) and then freed can be). Free on both 127.0.0.1 and ::1 when checked.
 */
export async function closedPort(): Promise<number> {
  const [low, high] = await ephemeralRange();
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = randomPortOutside(low, high);
    if ((await canListen(port, '127.0.0.1')) && (await canListen(port, '::1'))) return port;
  }
  throw new Error(`no free loopback port outside the ephemeral range ${low}-${high}`);
}

async function ephemeralRange(): Promise<[number, number]> {
  try {
    const [low, high] = (await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')).trim().split(/\s+/).map(Number);
    if (low && high) return [low, high];
  } catch {
    // Not Linux: IANA's dynamic range, which Windows and macOS use.
  }
  return [49152, 65535];
}

/** A port in 10000-65535 outside [low, high], above the well-known and registered services most machines run. */
function randomPortOutside(low: number, high: number): number {
  const below = Math.max(0, low - 10_000);
  const above = Math.max(0, 65_535 - high);
  const pick = randomInt(below + above);
  return pick < below ? 10_000 + pick : high + 1 + (pick - below);
}

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EADDRNOTAVAIL' || error.code === 'EAFNOSUPPORT'));
    server.listen({ port, host, ipv6Only: host === '::1' }, () => server.close(() => resolve(true)));
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
