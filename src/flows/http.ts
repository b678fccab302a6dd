// The HTTP seam of the flow layer. Flows see only this interface; src/http-client.ts builds
// the real one on got, and tests hand in the same real client pointed at the emulator.
import type { Readable } from 'node:stream';

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  url: string;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  /**
   * Whether a failed attempt may be repeated. Off for one-time codes: replaying an
   * authorization code makes the server revoke everything issued for it.
   */
  retry?: boolean;
  /**
   * After an interrupt (Ctrl-C, SIGTERM), let the request run this much longer instead of
   * cutting it off: for answers the server has acted on already, such as a rotated refresh token.
   */
  interruptGraceMs?: number;
}

/** A request whose answer may be large: `ocs-auth api`. */
export interface StreamRequest {
  method: string;
  headers: Record<string, string>;
  /** Held whole, so that a retry can send it again. */
  body?: Buffer | undefined;
}

/** An answer whose body is read as it arrives, never held whole by the client. */
export interface StreamResponse {
  status: number;
  statusText: string;
  httpVersion: string;
  headers: Record<string, string | string[] | undefined>;
  /** Names as the server spelt them, alternating with values: for `api --include`. */
  rawHeaders: string[];
  url: string;
  /** Must be read or destroyed. */
  body: Readable;
}

export interface HttpClient {
  get(url: string, options?: RequestOptions): Promise<HttpResponse>;
  postForm(url: string, form: Record<string, string>, options?: RequestOptions): Promise<HttpResponse>;
  /**
   * Any method, the body streamed. The time limit and retries (429, and 5xx for methods that
   * may be repeated) end when the status line arrives; the body then has until the
   * connection is idle for that long.
   */
  stream(url: string, request: StreamRequest): Promise<StreamResponse>;
}

/** The JSON object in a response body, or undefined when the body is not one. */
export function jsonObject(response: HttpResponse): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(response.body);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Retry-After in milliseconds: delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(value: string | string[] | undefined): number | undefined {
  if (typeof value !== 'string') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * " (not followed: LOCATION)" for a redirect, else "". The client follows none: a credential
 * or token goes only where ocs-auth sent it, never where an answer points.
 */
export function redirectNotFollowed(response: Pick<HttpResponse, 'status' | 'headers'>): string {
  const { location } = response.headers;
  return response.status >= 300 && response.status < 400 && typeof location === 'string' ? ` (not followed: ${location})` : '';
}

/**
 * For a server that is busy or down (429, 503) once the retries are spent: when it asks to be
 * tried again (its Retry-After, which was too long to wait for here), else what the status means.
 */
export function unavailableHint(response: Pick<HttpResponse, 'status' | 'headers'>): string | undefined {
  if (response.status !== 429 && response.status !== 503) return undefined;
  const after = retryAfterMs(response.headers['retry-after']);
  if (after !== undefined) {
    const seconds = Math.ceil(after / 1000);
    return `the server asks to be tried again in ${seconds < 120 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`} (Retry-After)`;
  }
  return response.status === 429
    ? 'the server is limiting how often it is asked: try again in a minute'
    : 'the service is unavailable for now (overloaded, or down for maintenance): try again in a few minutes';
}

/**
 * A 5xx may come after the server acted: only methods that may be repeated (RFC 9110 §9.2.2)
 * are sent again. A 429, or a connection never made, means nothing was done: any method is.
 */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
