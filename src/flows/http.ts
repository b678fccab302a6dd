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
