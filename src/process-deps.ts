import { readFileSync } from 'node:fs';
import type { Deps } from './commands/deps.js';
import { UsageError } from './errors.js';
import { droppedWhenReaderGoes, type IO, printTo } from './cli/io.js';
import { openSecretStore } from './store/open-store.js';

// The real dependencies of one run of the CLI, as bin/ hands them to main(): the process's
// streams, environment, clock and signals, and factories for what only some commands load.

const DEFAULT_HTTP_TIMEOUT_SECONDS = 30;
// Long enough for the slowest identity server; short enough that a hung request does not
// keep other processes waiting on its session lock for long.
export const HTTP_TIMEOUT_RANGE = { min: 1, max: 300 } as const;

/** OCS_AUTH_HTTP_TIMEOUT in seconds: unset or empty is the default, anything but a whole number in range is exit 2. */
export function httpTimeoutSeconds(env: NodeJS.ProcessEnv): number {
  const text = env.OCS_AUTH_HTTP_TIMEOUT?.trim();
  if (!text) return DEFAULT_HTTP_TIMEOUT_SECONDS;
  const seconds = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(seconds >= HTTP_TIMEOUT_RANGE.min && seconds <= HTTP_TIMEOUT_RANGE.max)) {
    throw new UsageError(`OCS_AUTH_HTTP_TIMEOUT must be a whole number of seconds from ${HTTP_TIMEOUT_RANGE.min} to ${HTTP_TIMEOUT_RANGE.max}, not "${text}"`, {
      hint: `unset it for the default of ${DEFAULT_HTTP_TIMEOUT_SECONDS} s`,
    });
  }
  return seconds;
}

export function processDeps(): Deps {
  const env = process.env;
  const version = packageVersion();
  // Node makes each stream on first use, which costs a few ms: a cached `token` never reads stdin.
  const io: IO = {
    get stdin() {
      return process.stdin;
    },
    get stdout() {
      return droppedWhenReaderGoes(process.stdout);
    },
    get stderr() {
      return droppedWhenReaderGoes(process.stderr);
    },
    print: (text) => printTo(1, () => process.stdout, text),
  };
  return {
    io,
    env,
    now: () => Date.now(),
    version,
    async createHttpClient({ trace, signal, caFile }) {
      const { createHttpClient } = await import('./flows/http-client.js');
      const ca = caFile === undefined ? undefined : await (await import('./flows/tls-trust.js')).trustWithCaFile(caFile, env);
      const seconds = httpTimeoutSeconds(env);
      return createHttpClient({ userAgent: `ocs-auth/${version}`, timeoutMs: seconds * 1000, trace, signal, env, ca });
    },
    async createPrompter(signal) {
      const { createInquirerPrompter } = await import('./cli/prompter.js');
      return createInquirerPrompter(io, signal);
    },
    openStore: openSecretStore,
    async openBrowser(url) {
      const { openBrowser } = await import('./flows/browser.js');
      return openBrowser(url, env);
    },
    kill(signal) {
      process.kill(process.pid, signal);
    },
    onInterrupt(listener) {
      const onSigint = () => listener('SIGINT');
      const onSigterm = () => listener('SIGTERM');
      process.on('SIGINT', onSigint);
      process.on('SIGTERM', onSigterm);
      return () => {
        process.off('SIGINT', onSigint);
        process.off('SIGTERM', onSigterm);
      };
    },
  };
}

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}
