import type { ClientRequestArgs } from 'node:http';
import type { Duplex } from 'node:stream';
import { setTimeout as setTimeoutPromise } from 'node:timers/promises';
import got, { RequestError, type Agents, type CancelableRequest, type Delays, type Got, type Method, type Options, type OptionsInit, type Response } from 'got';
import { checkServerIdentity } from 'node:tls';
import { HttpProxyAgent, HttpsProxyAgent } from 'hpagent';
import { EndpointUnreachableError, InterruptedError, interruptSignal, NetworkError } from '../errors.js';
import { type HttpClient, type HttpResponse, IDEMPOTENT_METHODS, type RequestOptions, retryAfterMs, type StreamRequest, type StreamResponse } from './http.js';
import { describeProxy, proxyFor, type Proxy } from './proxy-env.js';
import { describeTlsFailure } from './tls-trust.js';

export interface HttpClientOptions {
  userAgent: string;
  /** For one request, retries and waits between them included (OCS_AUTH_HTTP_TIMEOUT). */
  timeoutMs: number;
  /** With --verbose: one line per request/response on stderr, secrets redacted. */
  trace: ((line: string) => void) | undefined;
  /** Aborted on SIGINT/SIGTERM: the request in flight (or the wait before a retry) ends at once. */
  signal?: AbortSignal | undefined;
  /** Where HTTPS_PROXY, HTTP_PROXY and NO_PROXY are read. */
  env: NodeJS.ProcessEnv;
  /** Replaces Node's default CA list (see trustWithCaFile, which keeps the defaults in it). */
  ca?: string[] | undefined;
}

/** Form fields shown as *** under --verbose: every secret a form of ocs-auth's posts (test/e2e/secrets.test.ts sees each redacted in a real login's trace). */
export const SECRET_FORM_FIELDS: ReadonlySet<string> = new Set(['client_secret', 'code', 'code_verifier', 'refresh_token', 'token', 'device_code']);
const RETRY_STATUSES = [429, 500, 502, 503, 504];
// Timeouts are not retried: a hanging server would otherwise triple the wait.
const RETRY_ERRORS = ['ECONNRESET', 'EPIPE', 'EAI_AGAIN', 'ECONNREFUSED'];
const NO_RETRY = { limit: 0 };
// Discovery documents, token answers and tenant records are a few kilobytes. A body beyond
// this is a broken or hostile server, and is not read to its end (nor held in memory).
export const MAX_BODY_BYTES = 1024 * 1024;

/** The real HttpClient: got with a timeout, bounded jittered retries, and errors mapped to exit 5. */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const client = got.extend({
    throwHttpErrors: false,
    followRedirect: false,
    timeout: { request: options.timeoutMs },
    headers: { 'user-agent': options.userAgent, accept: 'application/json' },
    https: { checkServerIdentity: verifyServerIdentity, ...(options.ca ? { certificateAuthority: options.ca } : {}) },
    retry: {
      limit: 2,
      methods: ['GET', 'POST'],
      statusCodes: RETRY_STATUSES,
      errorCodes: RETRY_ERRORS,
      maxRetryAfter: 10_000,
      calculateDelay: ({ attemptCount, computedValue, error }) => {
        if (computedValue === 0) return 0;
        const delay = error.response?.headers['retry-after'] !== undefined ? computedValue : 250 * 2 ** (attemptCount - 1) * (0.5 + Math.random());
        // A retry that would start after the request's time is up is not worth waiting for.
        const startedAt = (error.options.context as { startedAt?: number }).startedAt ?? Date.now();
        return Date.now() - startedAt + delay < options.timeoutMs ? delay : 0;
      },
    },
    hooks: traceHooks(options.trace),
  });

  const proxies = new ProxyAgents(options.ca);
  const request = (url: string, init: OptionsInit, requestOptions?: RequestOptions) => send(client, options, proxies, url, init, requestOptions);
  return {
    get: (url, requestOptions) => request(url, { method: 'GET' }, requestOptions),
    // got turns `form` into a body before any hook runs, so the trace gets its redacted copy here.
    postForm: (url, form, requestOptions) => request(url, { method: 'POST', form, context: { traceFields: redactForm(form) } }, requestOptions),
    stream: (url, streamRequest) => sendStream(client, options, proxies, url, streamRequest),
  };
}

async function send(
  client: Got,
  options: HttpClientOptions,
  proxies: ProxyAgents,
  url: string,
  init: OptionsInit,
  requestOptions: RequestOptions = {},
): Promise<HttpResponse> {
  const signal = requestOptions.interruptGraceMs === undefined ? options.signal : delayed(options.signal, requestOptions.interruptGraceMs);
  const proxy = proxyFor(new URL(url), options.env);
  // got's own timeout is per attempt; this one bounds the whole request, retries included.
  const deadline = AbortSignal.timeout(options.timeoutMs);
  let oversized = false;
  try {
    const request = client(url, {
      ...init,
      context: { ...init.context, startedAt: Date.now(), ...(proxy ? { proxy: describeProxy(proxy) } : {}) },
      signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
      ...(proxy ? { agent: proxies.for(proxy) } : {}),
      ...(requestOptions.headers ? { headers: requestOptions.headers } : {}),
      ...(requestOptions.retry === false ? { retry: NO_RETRY } : {}),
    } as OptionsInit) as CancelableRequest<Response<string>>;
    request.on('downloadProgress', ({ transferred, total }) => {
      if (oversized || Math.max(transferred, total ?? 0) <= MAX_BODY_BYTES) return;
      oversized = true;
      request.cancel();
    });
    const response = await request;
    return { status: response.statusCode, headers: response.headers, body: String(response.body), url: response.url };
  } catch (error) {
    if (oversized) {
      throw new NetworkError(`${safeHost(url)} answered with more than ${MAX_BODY_BYTES / 1024 / 1024} MiB; refusing to read it`, { cause: error });
    }
    throw requestFailure(error, url, options, proxy, { interrupt: signal, timedOut: deadline.aborted });
  }
}

const NOTHING_SENT_ERRORS = new Set(['ECONNREFUSED', 'EAI_AGAIN']);
const STREAM_ATTEMPTS = 3;
const MAX_RETRY_AFTER_MS = 10_000;

/**
 * got's stream API, with the promise API's policy done by hand (got leaves retrying a stream to
 * its caller): the time limit covers the attempts and the waits between them until a status
 * line arrives; the body, which may be large, then only has to keep coming (an idle limit of
 * the same length). Ctrl-C ends it at any point.
 */
async function sendStream(client: Got, options: HttpClientOptions, proxies: ProxyAgents, url: string, request: StreamRequest): Promise<StreamResponse> {
  const proxy = proxyFor(new URL(url), options.env);
  const startedAt = Date.now();
  const interrupt = options.signal;
  for (let attempt = 1; ; attempt++) {
    const controller = new AbortController();
    const onInterrupt = () => controller.abort(interrupt?.reason);
    interrupt?.addEventListener('abort', onInterrupt, { once: true });
    const timer = setTimeout(() => controller.abort('timeout'), Math.max(0, options.timeoutMs - (Date.now() - startedAt)));
    const traceStart = Date.now();
    let response: StreamResponse;
    try {
      if (interrupt?.aborted) throw interrupt.reason;
      response = await openStream(client, url, {
        method: request.method as Method,
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        retry: NO_RETRY,
        // got merges timeouts key by key: undefined lifts the client's limit on the whole exchange.
        timeout: { request: undefined, socket: options.timeoutMs } as unknown as Delays,
        signal: controller.signal,
        context: proxy ? { proxy: describeProxy(proxy) } : {},
        ...(proxy ? { agent: proxies.for(proxy) } : {}),
      });
    } catch (error) {
      interrupt?.removeEventListener('abort', onInterrupt);
      const code = transportErrorCode(error);
      const repeatable = code !== undefined && (NOTHING_SENT_ERRORS.has(code) || (IDEMPOTENT_METHODS.has(request.method) && RETRY_ERRORS.includes(code)));
      const delay = repeatable && !controller.signal.aborted ? retryDelay(attempt, undefined, startedAt, options) : undefined;
      if (delay !== undefined) {
        await pause(delay, `${code}`, attempt, options);
        continue;
      }
      throw requestFailure(error, url, options, proxy, { interrupt, timedOut: controller.signal.reason === 'timeout' });
    } finally {
      clearTimeout(timer);
    }
    options.trace?.(`< ${response.status} ${response.url} (${Date.now() - traceStart} ms)`);
    const status = response.status;
    if (RETRY_STATUSES.includes(status) && (status === 429 || IDEMPOTENT_METHODS.has(request.method))) {
      const retryAfter = retryAfterMs(response.headers['retry-after']);
      const delay = retryAfter === undefined || retryAfter <= MAX_RETRY_AFTER_MS ? retryDelay(attempt, retryAfter, startedAt, options) : undefined;
      if (delay !== undefined) {
        // The connection is let go now, not held through the wait.
        response.body.destroy();
        interrupt?.removeEventListener('abort', onInterrupt);
        await pause(delay, `status ${status}`, attempt, options);
        continue;
      }
    }
    response.body.once('close', () => interrupt?.removeEventListener('abort', onInterrupt));
    return response;
  }
}

/** How long to wait before attempt `attempt + 1`; undefined when out of attempts, or when it would start after the time is up. */
function retryDelay(attempt: number, retryAfter: number | undefined, startedAt: number, options: HttpClientOptions): number | undefined {
  if (attempt >= STREAM_ATTEMPTS) return undefined;
  const delay = retryAfter ?? 250 * 2 ** (attempt - 1) * (0.5 + Math.random());
  return Date.now() - startedAt + delay < options.timeoutMs ? delay : undefined;
}

/** The wait before a retry; Ctrl-C ends it, and the next attempt then reports the interruption. */
async function pause(delay: number, reason: string, attempt: number, options: HttpClientOptions): Promise<void> {
  options.trace?.(`  retry ${attempt} after ${reason}`);
  await setTimeoutPromise(delay, undefined, options.signal ? { signal: options.signal } : {}).catch(() => undefined);
}

/** Resolves with the status line and headers, the body still to be read from the stream. */
function openStream(client: Got, url: string, init: OptionsInit): Promise<StreamResponse> {
  return new Promise((resolve, reject) => {
    const stream = client.stream(url, init as OptionsInit & { isStream?: true });
    stream.once('error', reject);
    stream.once('response', (response: Response) => {
      stream.off('error', reject);
      // Whoever reads the body hears its errors through their own listener; one the caller has
      // stopped reading (a refused answer) may still fail (the idle limit), and unheard, that
      // error would end the process with a dump of the request, Authorization header included.
      stream.on('error', ignoreLateError);
      resolve({
        status: response.statusCode,
        statusText: response.statusMessage ?? '',
        httpVersion: response.httpVersion,
        headers: response.headers,
        rawHeaders: response.rawHeaders,
        url: response.url,
        body: stream,
      });
    });
  });
}

function ignoreLateError(): void {}

/** What a request that got no usable answer becomes: interrupted (130), or a network failure (5) in plain words. */
function requestFailure(
  error: unknown,
  url: string,
  options: HttpClientOptions,
  proxy: Proxy | undefined,
  { interrupt, timedOut }: { interrupt: AbortSignal | undefined; timedOut: boolean },
): unknown {
  if (interrupt?.aborted) {
    return new InterruptedError(`interrupted while waiting for ${safeHost(url)}; nothing was stored`, { signal: interruptSignal(interrupt), cause: error });
  }
  if (timedOut) {
    return new NetworkError(`cannot reach ${safeHost(url)}${proxy ? ` through the proxy ${describeProxy(proxy)}` : ''}: timed out (${options.timeoutMs / 1000} s, retries included)`, {
      hint: 'OCS_AUTH_HTTP_TIMEOUT sets this limit in seconds',
      cause: error,
    });
  }
  const refused = (error as Error | undefined)?.cause;
  if (proxy && refused instanceof ProxyRefusedError) return proxyRefused(proxy, url, refused.status, error);
  const code = transportErrorCode(error);
  const tls = code === undefined ? undefined : describeTlsFailure(code, (error as Error).message);
  if (tls) return new NetworkError(`cannot reach ${safeHost(url)}: ${tls.problem}`, { hint: tls.hint, cause: error });
  if (proxy && code !== undefined && UNREACHABLE.has(code)) {
    // With a proxy, this machine only ever connects to the proxy: it is the proxy that is unreachable.
    return new NetworkError(`cannot reach the proxy ${describeProxy(proxy)} (${proxy.variable}): ${describeTransportError(code, (error as Error).message)}`, {
      hint: `check ${proxy.variable}, or list ${safeHostname(url)} in NO_PROXY if it is to be reached directly`,
      cause: error,
    });
  }
  if (code !== undefined) {
    const Failure = UNREACHABLE.has(code) ? EndpointUnreachableError : NetworkError;
    return new Failure(`cannot reach ${safeHost(url)}: ${describeTransportError(code, (error as Error).message)}`, {
      hint: 'check the network and the resource URL',
      cause: error,
    });
  }
  return error;
}

/** Aborts `ms` after `signal` does, with the same reason. */
function delayed(signal: AbortSignal | undefined, ms: number): AbortSignal | undefined {
  if (!signal) return undefined;
  const controller = new AbortController();
  signal.addEventListener('abort', () => setTimeout(() => controller.abort(signal.reason), ms).unref(), { once: true });
  return controller.signal;
}

function proxyRefused(proxy: Proxy, url: string, status: number, cause: unknown): NetworkError {
  const where = `the proxy ${describeProxy(proxy)} (${proxy.variable})`;
  if (status === 407) {
    const hasCredentials = Boolean(proxy.url.username || proxy.url.password);
    return new NetworkError(`${where} refused the request: it wants ${hasCredentials ? 'other ' : ''}credentials (407)`, {
      hint: hasCredentials
        ? `check the user name and password in ${proxy.variable} (special characters percent-encoded)`
        : `put them in ${proxy.variable}: http://user:password@host:port, special characters percent-encoded`,
      cause,
    });
  }
  return new NetworkError(`${where} could not open a connection to ${safeHost(url)} (it answered ${status})`, {
    hint: `the proxy may block that host, or it may be down; NO_PROXY lists hosts to reach directly`,
    cause,
  });
}

/** The CONNECT answer was not 200: hpagent says only "Bad response: <status>". */
class ProxyRefusedError extends Error {
  readonly code = 'ERR_PROXY_REFUSED';
  constructor(readonly status: number) {
    super(`the proxy answered ${status} to CONNECT`);
  }
}

const BAD_CONNECT_RESPONSE = /^Bad response: (\d{3})$/;

type ConnectionCallback = (error: Error | null, stream: Duplex) => void;

function typedRefusal(callback: ConnectionCallback | undefined): ConnectionCallback {
  return (error, stream) => {
    const status = error ? BAD_CONNECT_RESPONSE.exec(error.message)?.[1] : undefined;
    callback?.(status ? new ProxyRefusedError(Number(status)) : error, stream);
  };
}

/**
 * Node's own check, which got reads from node:tls for every request, plain http too: handed
 * this, got leaves node:tls alone, and it loads (with node:https) for https only.
 */
const verifyServerIdentity: typeof checkServerIdentity = (hostname, certificate) => checkServerIdentity(hostname, certificate);

/** hpagent's agents, with refusals typed. Made on first use: hpagent loads node:https as it loads. */
function tunnels(proxy: ConstructorParameters<typeof HttpProxyAgent>[0]): Agents {
  class HttpTunnel extends HttpProxyAgent {
    override createConnection(options: ClientRequestArgs, callback?: ConnectionCallback): Duplex | null | undefined {
      return super.createConnection(options, typedRefusal(callback));
    }
  }
  class HttpsTunnel extends HttpsProxyAgent {
    override createConnection(options: ClientRequestArgs, callback?: ConnectionCallback): Duplex | null | undefined {
      return super.createConnection(options, typedRefusal(callback));
    }
  }
  return { http: new HttpTunnel(proxy), https: new HttpsTunnel(proxy) };
}

/**
 * One pair of hpagent agents per proxy URL, reused across requests. hpagent tunnels every
 * request through CONNECT, so the proxy sees host names and ports, never paths, bodies or
 * tokens. Chosen over https-proxy-agent: got's documentation recommends it, it has no
 * dependencies (https-proxy-agent 9 brings debug, agent-base and an optional native
 * kerberos import the bundle would have to leave out), and a refused CONNECT is an error
 * rather than the proxy's 407 page handed back as if the target server had answered.
 */
class ProxyAgents {
  private readonly agents = new Map<string, Agents>();

  constructor(private readonly ca: string[] | undefined) {}

  for(proxy: Proxy): Agents {
    let agents = this.agents.get(proxy.url.href);
    if (!agents) {
      // The proxy itself, when https://, is checked against the same CAs as the targets.
      const options = { proxy: proxy.url, ...(this.ca ? { proxyRequestOptions: { ca: this.ca } } : {}) };
      agents = tunnels(options);
      this.agents.set(proxy.url.href, agents);
    }
    return agents;
  }
}

// On Node >= 24.20, got 14 lets a retried, again refused connection escape as Node's own
// ERR_SOCKET_CLOSED_BEFORE_CONNECTION instead of a RequestError (got#2469, fixed in got 16,
// which needs Node 22). It means the same thing: nothing is listening.
const SOCKET_CLOSED_BEFORE_CONNECTION = 'ERR_SOCKET_CLOSED_BEFORE_CONNECTION';
const UNREACHABLE = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', SOCKET_CLOSED_BEFORE_CONNECTION]);

function transportErrorCode(error: unknown): string | undefined {
  if (error instanceof RequestError) return error.code;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === SOCKET_CLOSED_BEFORE_CONNECTION ? code : undefined;
}

function describeTransportError(code: string, message: string): string {
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found (DNS)';
    case 'ECONNREFUSED':
    case SOCKET_CLOSED_BEFORE_CONNECTION:
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'ETIMEDOUT':
      return 'timed out';
    default:
      return message;
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function safeHostname(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

function redactForm(form: Record<string, string>): string {
  return Object.entries(form)
    .map(([key, value]) => `${key}=${SECRET_FORM_FIELDS.has(key) ? '***' : encodeURIComponent(value)}`)
    .join('&');
}

function traceHooks(trace: ((line: string) => void) | undefined): Partial<Options['hooks']> {
  if (!trace) return {};
  const started = new WeakMap<object, number>();
  return {
    beforeRequest: [
      (options) => {
        started.set(options, Date.now());
        const fields = typeof options.context.traceFields === 'string' ? ` ${options.context.traceFields}` : '';
        const authorization = options.headers.authorization ? ' (Authorization: Bearer ***)' : '';
        const proxy = typeof options.context.proxy === 'string' ? ` via proxy ${options.context.proxy}` : '';
        trace(`> ${options.method} ${String(options.url)}${fields}${authorization}${proxy}`);
      },
    ],
    afterResponse: [
      (response) => {
        const start = started.get(response.request.options);
        trace(`< ${response.statusCode} ${response.url}${start === undefined ? '' : ` (${Date.now() - start} ms)`}`);
        return response;
      },
    ],
    beforeRetry: [
      (error, retryCount) => {
        trace(`  retry ${retryCount} after ${error.response ? `status ${error.response.statusCode}` : error.code}`);
      },
    ],
  };
}
