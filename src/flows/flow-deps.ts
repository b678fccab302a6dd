import type { Cache } from '../store/file-cache.js';
import type { Release } from '../store/lock.js';
import type { SecretStore } from '../store/secret-store.js';
import type { TokenCache } from '../store/token-cache.js';
import type { HttpClient } from './http.js';

/** What every flow is handed instead of reaching for globals, so tests can pass the emulator and a fake clock. */
export interface FlowDeps {
  /** Client secrets and refresh tokens. */
  store: SecretStore;
  /** Cached access tokens. */
  tokens: TokenCache;
  /** Lazy: a cached token must be served without loading the HTTP stack. */
  http(): Promise<HttpClient>;
  /** Epoch milliseconds. */
  now(): number;
  /** A message for the person (stderr); flows never print themselves. */
  warn(message: string): void;
  /** A detail for --verbose only (stderr); absent otherwise. */
  trace?: ((message: string) => void) | undefined;
  /** Cross-process mutual exclusion: parallel runs for one session make one token request between them. */
  lock(name: string): Promise<Release>;
  /** Non-secret data kept between runs (discovery documents). */
  cache: Cache;
  /** Aborted on SIGINT/SIGTERM: a flow that finishes anyway (a rotated token to store) checks it after. */
  interrupted?: AbortSignal | undefined;
}
