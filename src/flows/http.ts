// The HTTP seam of the flow layer. Flows see only this interface; src/http-client.ts builds
// the real one on got, and tests hand in the same real client pointed at the emulator.

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

export interface HttpClient {
  get(url: string, options?: RequestOptions): Promise<HttpResponse>;
  postForm(url: string, form: Record<string, string>, options?: RequestOptions): Promise<HttpResponse>;
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
