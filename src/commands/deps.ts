import type { BrowserOutcome } from '../flows/browser.js';
import type { InterruptSignal } from '../errors.js';
import type { HttpClient } from '../flows/http.js';
import type { IO } from '../cli/io.js';
import type { Prompter } from '../cli/prompter.js';
import type { OpenStoreOptions } from '../store/open-store.js';
import type { SecretStore } from '../store/secret-store.js';

/**
 * Everything a command touches outside its own arguments. bin/ builds the real one; tests
 * build their own. Heavy pieces are factories, imported on first use, so that a cached
 * `ocs-auth token` never loads the HTTP stack or the prompts.
 */
export interface Deps {
  io: IO;
  env: NodeJS.ProcessEnv;
  /** Epoch milliseconds. */
  now(): number;
  version: string;
  createHttpClient(options: HttpClientSetup): Promise<HttpClient>;
  /** A question open when `signal` aborts fails at once with an InterruptedError. */
  createPrompter(signal?: AbortSignal): Promise<Prompter>;
  openStore(options: OpenStoreOptions): SecretStore;
  /** Shows a URL in the person's browser (BROWSER, else the system's); says why not when it cannot. */
  openBrowser(url: string): Promise<BrowserOutcome>;
  /**
   * Until the returned function is called, Ctrl-C (SIGINT) and SIGTERM call the listener
   * instead of killing the process, so a command can close what it opened and exit 130/143
   * cleanly.
   */
  onInterrupt(listener: (signal: InterruptSignal) => void): () => void;
  /** Ends the process by `signal`, as if nobody caught it: a second Ctrl-C or SIGTERM. */
  kill(signal: InterruptSignal): void;
  /**
   * Aborted, with the signal's name as reason, when SIGINT or SIGTERM arrives while a command
   * runs: HTTP requests, lock waits and prompts end on it. main() sets it for each command
   * (through onInterrupt), so bin/ and tests need not.
   */
  interrupted?: AbortSignal | undefined;
}

export interface HttpClientSetup {
  /** With --verbose: one line per request/response on stderr, secrets redacted. */
  trace?: ((line: string) => void) | undefined;
  /** A request in flight when `signal` aborts fails at once with an InterruptedError. */
  signal?: AbortSignal | undefined;
  /** A PEM bundle trusted on top of Node's own CAs (OCS_AUTH_CA_FILE / ca_file). */
  caFile?: string | undefined;
}
