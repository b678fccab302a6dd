import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CredentialsRejectedError, InterruptedError, LoginRequiredError, NetworkError, UsageError, type OcsAuthError } from '../errors.js';

// The loopback end of a browser login (RFC 8252 §7.3): a one-shot HTTP server on 127.0.0.1
// (and ::1 for "localhost") that waits for the identity provider to redirect the browser
// back with a code.

export interface RedirectTarget {
  port: number;
  /** As the browser sends it: the redirect URI's path, percent-encoded. */
  path: string;
  /**
   * Where to listen. A browser may resolve "localhost" to ::1 as well as to 127.0.0.1, and
   * whoever holds the address it tries first gets the code: so both are ours.
   */
  hosts: readonly string[];
}

/** Only a plain-http loopback URI can be served here; anything else is a configuration mistake. */
export function parseRedirectUri(redirectUri: string): RedirectTarget {
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    throw new UsageError(`invalid redirect URI "${redirectUri}"`, { hint: 'expected e.g. http://localhost:5004/callback.html' });
  }
  // The server listens on loopback only (SPEC "Security"): a browser sent to another host
  // would never reach it.
  if (url.protocol !== 'http:' || (url.hostname !== 'localhost' && url.hostname !== '127.0.0.1')) {
    throw new UsageError(`the redirect URI must be http://localhost:PORT/… or http://127.0.0.1:PORT/… for a browser login, not "${redirectUri}"`, {
      hint: 'pass --redirect-uri with a loopback URI registered for the client, e.g. http://localhost:5004/callback.html',
    });
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new UsageError(`the redirect URI must have no query, fragment or user, not "${redirectUri}"`);
  }
  return { port: url.port === '' ? 80 : Number(url.port), path: url.pathname, hosts: url.hostname === 'localhost' ? ['127.0.0.1', '::1'] : ['127.0.0.1'] };
}

export interface AuthorizationResponse {
  code: string;
  /** RFC 9207: the issuer, when the provider names it in the redirect. */
  iss: string | undefined;
}

export interface CallbackServer {
  readonly port: number;
  /**
   * Resolves with the code of the first answer that belongs to this login: the browser's
   * redirect to the callback path, or an address the person pasted (paste()). The browser's
   * request is then held open, so that its page can say how the login ended (signedIn() or
   * close()), and every other request is answered 410. Rejects when that answer carries an
   * error, when timeoutMs pass, or when the signal aborts; the server is closed by then.
   */
  wait(options: WaitOptions & { scopeRefusable?: false }): Promise<AuthorizationResponse>;
  /**
   * The same, except that an invalid_scope error under our state resolves, for the login to
   * ask again with a smaller scope (retry()); the browser's request is held until then.
   */
  wait(options: WaitOptions & { scopeRefusable: true }): Promise<AuthorizationResponse | ScopeRefused>;
  /**
   * After a refused scope (at authorize, or at the token endpoint for the code just received):
   * the next attempt's state, and the browser that brought the answer sent on to that
   * attempt's authorize URL. False when the refusal was pasted: no browser to send.
   */
  retry(state: string, authorizeUrl: string): boolean;
  /**
   * The address the browser ended on, pasted by the person (a browser on another machine cannot
   * reach this server): judged exactly as the redirect would be. Undefined when the login takes
   * it; otherwise why not, for the person, and the wait goes on.
   */
  paste(address: string): string | undefined;
  /** The tokens are stored: the browser's page says so, and the server closes. */
  signedIn(): Promise<void>;
  /**
   * Idempotent; for every other end. A browser request still held is told what failed
   * (failure's message, escaped), or that the login did not complete.
   */
  close(failure?: unknown): Promise<void>;
}

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

export interface ScopeRefused {
  scopeRefused: true;
}

export interface CallbackExpectations {
  redirectUri: string;
  state: string;
  /** Checked against an `iss` in the redirect (RFC 9207), so a mix-up with another provider fails. */
  issuer: string;
  /** The provider promises `iss` in every redirect (discovery's authorization_response_iss_parameter_supported). */
  issRequired?: boolean;
}

// An authorization response is a code, a state and perhaps an issuer and session state: far
// below this. Node itself refuses request heads over 16 KiB.
const MAX_REQUEST_TARGET = 4096;
const MAX_ECHOED_TEXT = 300;
// Time for the browser to receive the final page before the sockets are cut.
const CLOSE_GRACE_MS = 1000;

/** scopeRefused: the error is the provider's invalid_scope, which a smaller scope may avoid. */
export type Outcome = { response: AuthorizationResponse } | { error: OcsAuthError; scopeRefused?: boolean };

/** Listens before the browser is sent anywhere, so a busy port fails the login up front. */
export async function listenForCallback(expected: CallbackExpectations): Promise<CallbackServer> {
  const target = parseRedirectUri(expected.redirectUri);
  let settle: (outcome: Outcome) => void = () => {};
  let outcome = new Promise<Outcome>((resolve) => (settle = resolve));
  let settled = false;
  // Each attempt (a refused scope makes a second one) has a state of its own.
  let state = expected.state;
  let scopeRefusable = false;
  const judge = (method: string, requestTarget: string) => answerRedirect(method, requestTarget, target, { ...expected, state });
  // The browser request that brought the code: its page may say "signed in" only once the
  // tokens are stored, so it is answered at the end of the login, not on arrival. One that
  // brought a refused scope waits to be sent on to the next attempt.
  let held: ServerResponse | undefined;
  // A page that ends the login went out: the browser gets a moment to read it before the sockets go.
  let pageSent = false;

  const onRequest = (request: IncomingMessage, response: ServerResponse) => {
    if (settled) {
      // The login is over; only a straggler on a kept-alive connection can get here.
      answer(response, 410, 'This login has already finished. You can close this tab.');
      return;
    }
    const reply = judge(request.method ?? 'GET', request.url ?? '/');
    const result = reply.outcome;
    if (result && ('response' in result || (result.scopeRefused && scopeRefusable))) {
      held = response;
    } else {
      answer(response, reply.status, reply.page, reply.headers);
      if (result) pageSent = true;
    }
    if (result) {
      settled = true;
      settle(result);
    }
  };
  const servers = await listenOnAll(target, expected.redirectUri, onRequest);

  let stopped: Promise<void> | undefined;
  const stopListening = (): Promise<void> => (stopped ??= stopAll(servers));
  let ending: Promise<void> | undefined;
  const end = (message: string | undefined): Promise<void> =>
    (ending ??= (async () => {
      const closed = stopListening();
      if (held) {
        answer(held, 200, message ?? 'The login did not complete. Return to the terminal.', { Connection: 'close' });
        held = undefined;
        pageSent = true;
      }
      for (const server of servers) {
        if (pageSent) {
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS).unref();
        } else {
          server.closeAllConnections();
        }
      }
      await closed;
    })());

  const wait = async ({ timeoutMs, signal, scopeRefusable: refusable = false }: WaitOptions & { scopeRefusable?: boolean }): Promise<AuthorizationResponse | ScopeRefused> => {
    scopeRefusable = refusable;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const gaveUp = new Promise<Outcome>((resolve) => {
      timer = setTimeout(() => resolve({ error: timeoutError(timeoutMs, expected.redirectUri) }), timeoutMs);
      onAbort = () => resolve({ error: new InterruptedError('login interrupted: the loopback server is closed and nothing was stored') });
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
    const result = await Promise.race([outcome, gaveUp]);
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    settled = true;
    if ('error' in result && result.scopeRefused && refusable) return { scopeRefused: true };
    if ('error' in result) {
      await end(undefined);
      throw result.error;
    }
    // Still listening (anyone else is answered 410): a scope the token endpoint refuses sends
    // the browser round again, back to this server.
    return result.response;
  };

  return {
    port: target.port,
    // One implementation for both overloads: a refusal resolves only when scopeRefusable says so.
    wait: wait as CallbackServer['wait'],
    retry(nextState, authorizeUrl) {
      state = nextState;
      outcome = new Promise<Outcome>((resolve) => (settle = resolve));
      settled = false;
      if (!held) return false;
      answer(held, 303, 'Signing in again, with a scope the identity provider allows.', { Location: authorizeUrl });
      held = undefined;
      return true;
    },
    paste(address) {
      if (settled) return 'this login has already received its answer';
      let url: URL;
      try {
        url = new URL(address.trim());
      } catch {
        return `that is not an address: paste the whole address the browser shows after signing in, starting with ${expected.redirectUri}`;
      }
      if (url.pathname !== target.path) return `that is not the address the browser ended on, which starts with ${expected.redirectUri}`;
      const reply = judge('GET', `${url.pathname}${url.search}`);
      if (!reply.outcome) {
        return reply.status === 400 ? 'that address does not belong to the login waiting here (its state is not this one), so it was ignored' : printable(reply.page);
      }
      settled = true;
      settle(reply.outcome);
      return undefined;
    },
    signedIn: () => end('You are signed in. You can close this tab and return to the terminal.'),
    close: (failure) => end(failure instanceof Error ? `Sign-in did not complete: ${failure.message}. Return to the terminal.` : undefined),
  };
}

/** What the loopback server answers to one request: a page, and the login's outcome when the request was the redirect. */
export interface RedirectReply {
  status: number;
  /** Plain text; escaped into the HTML page by the server. */
  page: string;
  headers: Record<string, string>;
  /** Undefined: not the redirect, keep waiting. */
  outcome?: Outcome;
}

/**
 * Judges one request to the loopback server, from its method and raw request target alone:
 * pure, so that hostile input can be thrown at it directly (test/fuzz.test.ts).
 */
export function answerRedirect(method: string, requestTarget: string, target: Pick<RedirectTarget, 'path'>, expected: CallbackExpectations): RedirectReply {
  if (requestTarget.length > MAX_REQUEST_TARGET) {
    return { status: 414, page: 'This request is too long to be a sign-in answer.', headers: {} };
  }
  // The raw target, not new URL(): "//host/path" would be read as another host.
  const queryStart = requestTarget.indexOf('?');
  const path = queryStart === -1 ? requestTarget : requestTarget.slice(0, queryStart);
  if (path !== target.path) {
    // A favicon, a stray tab, a port scan: not the answer, so keep waiting for it.
    return { status: 404, page: 'Not found.', headers: {} };
  }
  if (method !== 'GET') {
    return { status: 405, page: 'Only GET is answered here.', headers: { Allow: 'GET' } };
  }

  const query = new URLSearchParams(queryStart === -1 ? '' : requestTarget.slice(queryStart + 1));
  const single = (name: string): string | undefined => {
    const values = query.getAll(name);
    return values.length === 1 ? values[0] : undefined;
  };
  const fail = (status: number, page: string, error: OcsAuthError, scopeRefused = false): RedirectReply => ({
    status,
    page,
    headers: { Connection: 'close' },
    outcome: scopeRefused ? { error, scopeRefused } : { error },
  });

  // The state is checked before anything else is believed, error redirects included: an
  // answer that does not carry it was not started by this login (RFC 6749 §10.12).
  const state = single('state');
  if (state === undefined || !sameText(state, expected.state)) {
    // A web page's <img>, a local probe, a stale tab, or a code slipped in under another
    // state (login CSRF, RFC 6749 §10.12): none of it is this login's answer. Ending the
    // login on it would let any page or local process cut a login short, so it is refused
    // here and the login keeps waiting for its own.
    return {
      status: 400,
      page: query.has('code')
        ? 'This sign-in answer does not belong to the login waiting in the terminal, so it was refused and nothing was stored. The login in the terminal is still waiting.'
        : 'This is not the sign-in answer this login waits for; it was ignored. The login in the terminal is still waiting.',
      headers: {},
    };
  }
  const iss = single('iss');
  if (expected.issRequired && !query.has('iss')) {
    // RFC 9207 §2.4: a provider that promises iss and answers without it is not the one we asked.
    return fail(
      400,
      'This sign-in answer does not name the identity provider, which it promised to do, so it was refused. Nothing was stored.',
      new CredentialsRejectedError(`the sign-in answer does not name its issuer, although ${expected.issuer} says it always does (RFC 9207); nothing was stored`),
    );
  }
  if (query.has('iss') && iss !== expected.issuer) {
    return fail(
      400,
      'This sign-in answer comes from another identity provider, so it was refused. Nothing was stored.',
      new CredentialsRejectedError(`the sign-in answer names issuer "${printable(String(iss))}", not ${expected.issuer}; nothing was stored`),
    );
  }
  const error = single('error');
  if (error !== undefined) {
    const description = single('error_description');
    return fail(
      200,
      `Sign-in did not complete: ${error}${description ? ` (${description})` : ''}. Return to the terminal.`,
      authorizationError(error, description),
      error === 'invalid_scope',
    );
  }
  const code = single('code');
  if (!code) {
    return fail(
      400,
      'This sign-in answer carries no authorization code. Return to the terminal.',
      new NetworkError('the browser came back without an authorization code or an error; nothing was stored'),
    );
  }
  // The page is the login's to write once the tokens are stored (CallbackServer.signedIn).
  return { status: 200, page: '', headers: { Connection: 'close' }, outcome: { response: { code, iss } } };
}

// RFC 6749 §4.1.2.1 and OpenID Connect Core §3.1.2.6 error codes, sorted by whose move it is.
const REFUSED = new Set(['access_denied', 'login_required', 'consent_required', 'interaction_required', 'account_selection_required']);
const SERVER_TROUBLE = new Set(['server_error', 'temporarily_unavailable']);

function authorizationError(code: string, description: string | undefined): OcsAuthError {
  const text = `${printable(code)}${description ? `: ${printable(description)}` : ''}`;
  if (REFUSED.has(code)) return new CredentialsRejectedError(`the sign-in was refused or cancelled in the browser (${text}); nothing was stored`);
  if (SERVER_TROUBLE.has(code)) return new NetworkError(`the identity provider failed the sign-in (${text})`, { hint: 'try again in a moment' });
  return new UsageError(`the identity provider refused the login request (${text})`, {
    hint: 'check the client id, redirect URI and scope of this profile (--client-id, --redirect-uri, --scope)',
  });
}

// A timed-out login is "login still needed" (exit 3), not a network failure: nothing was
// asked of any server that failed; the person did not finish, or the browser never came
// back, and the remedy is to log in again, just as for any other missing login.
function timeoutError(timeoutMs: number, redirectUri: string): LoginRequiredError {
  return new LoginRequiredError(`no sign-in answer from the browser within ${Math.round(timeoutMs / 1000)} s; nothing was stored`, {
    hint: `run the login again (--timeout SECONDS gives more time); if the browser showed an error, check that ${redirectUri} is a redirect URI registered for the client`,
  });
}

/**
 * One server per address of the target, all or none: a redirect to an address someone else
 * holds would hand them the code. A machine without IPv6 at all (::1 is not an address of
 * it, EADDRNOTAVAIL or EAFNOSUPPORT) has no ::1 for anyone to take, so 127.0.0.1 suffices.
 */
async function listenOnAll(target: RedirectTarget, redirectUri: string, onRequest: (request: IncomingMessage, response: ServerResponse) => void): Promise<Server[]> {
  const servers: Server[] = [];
  try {
    for (const host of target.hosts) {
      const server = createServer(onRequest);
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ host, port: target.port, exclusive: true, ipv6Only: true }, () => resolve());
        });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (host === '::1' && (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT')) continue;
        throw listenError(error as NodeJS.ErrnoException, host, target.port, redirectUri);
      }
      servers.push(server);
    }
  } catch (error) {
    // Nobody has been sent here yet: nothing to let finish.
    await stopAll(servers);
    throw error;
  }
  return servers;
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number, redirectUri: string): Error {
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const hint = `stop what uses it, or pass --redirect-uri with another port that is registered for the client (now ${redirectUri})`;
  if (error.code === 'EADDRINUSE') {
    return new UsageError(`port ${port} on ${host} is already in use, so the login cannot wait there for the browser`, { hint });
  }
  if (error.code === 'EACCES') return new UsageError(`not allowed to listen on ${address}`, { hint });
  return new UsageError(`cannot listen on ${address} for the browser login: ${error.message}`, { hint, cause: error });
}

function sameText(actual: string, expected: string): boolean {
  const a = Buffer.from(actual);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Query text bound for the terminal: no control characters (escape sequences), bounded length. */
function printable(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
  return clean.length > MAX_ECHOED_TEXT ? `${clean.slice(0, MAX_ECHOED_TEXT)}…` : clean;
}

/** The page the browser shows: the message, escaped, in a fixed frame. */
export function renderPage(message: string): string {
  return (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>ocs-auth</title>' +
    '<style>body{font-family:sans-serif;max-width:32rem;margin:4rem auto;line-height:1.4}</style></head>' +
    `<body><h1>ocs-auth</h1><p>${escapeHtml(printable(message))}</p></body></html>`
  );
}

function answer(response: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  const body = renderPage(message);
  response.writeHead(status, {
    ...headers,
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    // Nothing on the page may load or send anything: the address bar holds the code.
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
  });
  response.end(body);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Stops listening; connections already open are the caller's to end. */
async function stopAll(servers: Server[]): Promise<void> {
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
}
