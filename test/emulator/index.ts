// The OCS emulator: a real OpenID provider (oidc-provider 8) on 127.0.0.1 that answers what
// OCS / AVEVA Data Hub answers on the wire (see /work/shared/SPEC.md), plus fault injection and
// request counting for tests. oidc-provider 8 rather than 9: 9 warns "Unsupported runtime" on
// Node 20 and needs URL.parse (Node >= 20.18), while the CLI supports Node >= 20.12.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPair, createPublicKey, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { JWK } from 'jose';
import { MemoryStore } from './memory-store.ts';
import { createInteractions, errorPage, isInteractionError, sendHtml, type TestUser } from './interactions.ts';
import { createProvider, ROUTES } from './provider.ts';
import { createTenantsApi } from './tenants-api.ts';

export type Route = 'discovery' | 'token' | 'authorize' | 'revocation' | 'tenants' | 'jwks';

export const ROUTE_NAMES: readonly Route[] = ['discovery', 'token', 'authorize', 'revocation', 'tenants', 'jwks'];

export interface Fault {
  route: Route;
  /** Answer with this status instead of passing the request on. */
  status?: number | undefined;
  /** Raw body to answer with (default: a small OAuth-style JSON error for the status). */
  body?: string | undefined;
  /** Default application/json. */
  contentType?: string | undefined;
  headers?: Record<string, string> | undefined;
  /** Wait this long first, then answer, drop, or pass the request on. */
  delayMs?: number | undefined;
  /** Apply to the next N matching requests only (default: until clearFaults()). */
  times?: number | undefined;
  /** Discovery only: rewrite the real discovery document (e.g. delete token_endpoint). */
  transform?: ((doc: any) => any) | undefined;
  /** Reset the TCP connection without answering. */
  destroy?: boolean | undefined;
}

export interface RequestRecord {
  route: Route | 'other';
  method: string;
  /** The request target as received: path and query string. */
  path: string;
  /** Form body fields, raw (secrets included), when the request had a form body. */
  body?: Record<string, string>;
}

export interface Emulator {
  /** e.g. http://127.0.0.1:43123, no trailing slash */
  resource: string;
  port: number;
  apiVersion: 'v1';
  issuer: string;
  tenantId: string;
  tenantName: string;
  tenantAlias: string;
  confidentialClient: { clientId: string; clientSecret: string };
  publicClient: { clientId: string; redirectUris: string[] };
  user: { login: string; password: string; name: string; email: string; sub: string };
  /** Requests seen per route, faulted ones included. */
  counts: Record<Route, number>;
  requests: RequestRecord[];
  /** Zero the counts and empty the request log. */
  resetCounts(): void;
  addFault(fault: Fault): void;
  /**
   * Until clearFaults(): redirects back to the client carry no `iss`, although discovery still
   * advertises authorization_response_iss_parameter_supported, as a mix-up attacker's would.
   */
  omitIssFromRedirects(): void;
  /** Adds a redirect URI to the public client's: matched exactly, as OCS does, port included. */
  registerRedirectUri(uri: string): void;
  clearFaults(): void;
  /**
   * Every access token issued so far is answered 401 by the tenants endpoint; every grant,
   * refresh token, authorization code and login session is forgotten (refresh → invalid_grant).
   * Tokens issued afterwards work.
   */
  revokeAllTokens(): void;
  close(): Promise<void>;
}

export interface EmulatorOptions {
  /** Default 0: a random free port. */
  port?: number | undefined;
  /** Access token lifetime in seconds (`expires_in`), default 3600. */
  accessTokenTtl?: number | undefined;
  tenantId?: string | undefined;
  tenantName?: string | undefined;
  tenantAlias?: string | undefined;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  publicClientId?: string | undefined;
  /** Replaces the default redirect URIs of the public client. */
  redirectUris?: string[] | undefined;
}

// Fixed so that `npm run emulator` prints the same values every time.
export const DEFAULTS = {
  tenantId: '5c8d9a2e-71b4-4f3a-9e06-0d2f6b1c4a77',
  tenantName: 'Emulated Company',
  tenantAlias: 'emulated',
  clientId: '0a3c6e1f-9b27-4d58-8f10-c2e4a6b8d001',
  clientSecret: 'emulator-secret-not-for-production',
  publicClientId: '0a3c6e1f-9b27-4d58-8f10-c2e4a6b8d002',
  // Matched exactly, port included, as OCS does: tests on other ports register theirs.
  redirectUris: ['http://localhost:5004/callback.html', 'http://127.0.0.1:5004/callback.html'],
  user: {
    sub: '7f4b2c9e-3d61-4a85-b0e2-9c1d5f8a6e33',
    login: 'alice@example.com',
    password: 'correct horse',
    name: 'Alice Example',
    email: 'alice@example.com',
  } satisfies TestUser,
} as const;

const MOUNT = '/identity';
const DEBUG = Boolean(process.env.EMULATOR_DEBUG);

interface InFlight {
  record: RequestRecord;
  transform?: (doc: any) => any;
}

interface ActiveFault {
  fault: Fault;
  remaining: number | undefined;
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const accessTokenTtl = opts.accessTokenTtl ?? 3600;
  const tenant = {
    id: opts.tenantId ?? DEFAULTS.tenantId,
    name: opts.tenantName ?? DEFAULTS.tenantName,
    alias: opts.tenantAlias ?? DEFAULTS.tenantAlias,
  };
  const confidentialClient = { clientId: opts.clientId ?? DEFAULTS.clientId, clientSecret: opts.clientSecret ?? DEFAULTS.clientSecret };
  const publicClient = { clientId: opts.publicClientId ?? DEFAULTS.publicClientId, redirectUris: [...(opts.redirectUris ?? DEFAULTS.redirectUris)] };
  const user: TestUser = { ...DEFAULTS.user };

  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  const kid = `emulator-${Date.now().toString(36)}`;
  const signingKey: JWK = { ...exportJwk(privateKey), kid, use: 'sig', alg: 'RS256' };
  const verificationKey: JWK = { ...exportJwk(createPublicKey(privateKey)), kid, use: 'sig', alg: 'RS256' };

  const counts = Object.fromEntries(ROUTE_NAMES.map((r) => [r, 0])) as Record<Route, number>;
  const requests: RequestRecord[] = [];
  const faults: ActiveFault[] = [];
  const inFlight = new WeakMap<IncomingMessage, InFlight>();
  const tenantByGrant = new Map<string, string | undefined>();
  const issuedJtis = new Set<string>();
  const revokedJtis = new Set<string>();
  const store = new MemoryStore();
  const pendingDelays = new Set<() => void>();
  let closed = false;
  let omitIss = false;

  // The issuer embeds the port, so listen before the provider exists and route to it lazily.
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      console.error('OCS emulator: request failed:', err);
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end('emulator error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const resource = `http://127.0.0.1:${port}`;
  const issuer = `${resource}${MOUNT}`;
  const apiResource = `${resource}/api`;

  const provider = createProvider({
    issuer,
    apiResource,
    accessTokenTtl,
    tenantId: tenant.id,
    confidentialClient,
    publicClient,
    user,
    signingKey,
    store,
    tenantOfGrant: (grantId) => tenantByGrant.get(grantId),
    onIssued: (jti) => issuedJtis.add(jti),
  });
  // Without a listener these are swallowed into a bare 500 server_error response.
  provider.on('server_error', (_ctx: unknown, err: unknown) => console.error('OCS emulator: oidc-provider server_error:', err));
  // Runs inside the provider once it has parsed the request: log the form body it read (the
  // stream is gone by then), and apply a discovery transform to the document it built.
  provider.use(async (ctx, next) => {
    await next();
    const state = inFlight.get(ctx.req);
    if (!state) return;
    const body = ctx.oidc?.body;
    if (body && Object.keys(body).length > 0) state.record.body = flattenForm(body);
    if (state.transform && ctx.oidc?.route === 'discovery' && ctx.status === 200) {
      ctx.body = state.transform(structuredClone(ctx.body));
    }
  });
  const providerCallback = provider.callback();
  const interactions = createInteractions({ provider, user, onGrant: (grantId, tid) => tenantByGrant.set(grantId, tid) });
  const tenantsApi = createTenantsApi({
    issuer,
    audience: apiResource,
    signingKey: verificationKey,
    tenant,
    isRevoked: (jti) => revokedJtis.has(jti),
  });

  function classify(pathname: string): Route | 'other' {
    switch (pathname) {
      case `${MOUNT}/.well-known/openid-configuration`: return 'discovery';
      case `${MOUNT}${ROUTES.jwks}`: return 'jwks';
      case `${MOUNT}${ROUTES.token}`: return 'token';
      case `${MOUNT}${ROUTES.authorization}`: return 'authorize';
      case `${MOUNT}${ROUTES.revocation}`: return 'revocation';
      default: return /^\/api\/v1\/tenants\/[^/]+$/i.test(pathname) ? 'tenants' : 'other';
    }
  }

  function takeFault(route: Route | 'other'): Fault | undefined {
    const i = faults.findIndex((f) => f.fault.route === route);
    const active = faults[i];
    if (!active) return undefined;
    if (active.remaining !== undefined && --active.remaining <= 0) faults.splice(i, 1);
    return active.fault;
  }

  function delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        pendingDelays.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      pendingDelays.add(done);
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const target = req.url ?? '/';
    const url = new URL(target, resource);
    const route = classify(url.pathname);
    if (route !== 'other') counts[route]++;
    const record: RequestRecord = { route, method: req.method ?? 'GET', path: target };
    requests.push(record);
    if (DEBUG) res.on('finish', () => console.error(`emulator: ${record.method} ${target} -> ${res.statusCode} (${Date.now() - started} ms)`));

    const fault = takeFault(route);
    if (fault?.delayMs) {
      await delay(fault.delayMs);
      // The client gave up meanwhile (its timeout): nothing left to answer.
      if (req.socket.destroyed) return;
    }
    if (closed || fault?.destroy) {
      req.socket.resetAndDestroy();
      return;
    }
    if (fault?.status !== undefined) {
      const raw = await readBody(req);
      if (raw && /^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')) {
        record.body = Object.fromEntries(new URLSearchParams(raw));
      }
      res.writeHead(fault.status, {
        'Content-Type': fault.contentType ?? 'application/json',
        'Cache-Control': 'no-store',
        ...fault.headers,
      }).end(fault.body ?? defaultFaultBody(fault.status));
      return;
    }
    inFlight.set(req, fault?.transform ? { record, transform: fault.transform } : { record });

    const interaction = /^\/identity\/interaction\/([^/]+)(\/abort)?$/.exec(url.pathname);
    if (interaction?.[1]) {
      await handleInteraction(req, res, decodeURIComponent(interaction[1]), interaction[2] !== undefined, record);
    } else if (url.pathname === MOUNT || url.pathname.startsWith(`${MOUNT}/`)) {
      await toProvider(req, res, url);
    } else if (route === 'tenants') {
      await tenantsApi(req, res, decodeURIComponent(url.pathname.split('/').pop() ?? ''));
    } else {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'not_found', path: url.pathname }));
    }
  }

  async function toProvider(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    // OCS (IdentityServer) issues a refresh token for offline_access alone; oidc-provider
    // follows OIDC Core and drops offline_access unless prompt=consent is present. Native
    // clients see the consent page in either case, so adding it changes nothing visible.
    if (url.pathname === `${MOUNT}${ROUTES.authorization}` && req.method === 'GET') {
      const scope = url.searchParams.get('scope')?.split(' ') ?? [];
      const prompt = url.searchParams.get('prompt')?.split(' ').filter(Boolean) ?? [];
      if (scope.includes('offline_access') && !prompt.includes('consent')) {
        url.searchParams.set('prompt', [...prompt, 'consent'].join(' '));
      }
    }
    if (omitIss) withoutIssInLocation(res);
    const target = url.pathname + url.search;
    // oidc-provider derives its mount path (and so every URL it advertises) from originalUrl.
    Object.assign(req, { originalUrl: target });
    req.url = target.slice(MOUNT.length) || '/';
    await providerCallback(req, res);
  }

  async function handleInteraction(req: IncomingMessage, res: ServerResponse, uid: string, abort: boolean, record: RequestRecord): Promise<void> {
    try {
      if (abort && req.method === 'GET') {
        await interactions.abort(req, res);
      } else if (!abort && req.method === 'GET') {
        await interactions.show(req, res, uid);
      } else if (!abort && req.method === 'POST') {
        const form = Object.fromEntries(new URLSearchParams(await readBody(req)));
        record.body = form;
        await interactions.submit(req, res, uid, form);
      } else {
        res.writeHead(405).end();
      }
    } catch (err) {
      if (!isInteractionError(err)) throw err;
      sendHtml(res, 400, errorPage('This sign-in request is no longer valid. Start the login again.'));
    }
  }

  return {
    resource,
    port,
    apiVersion: 'v1',
    issuer,
    tenantId: tenant.id,
    tenantName: tenant.name,
    tenantAlias: tenant.alias,
    confidentialClient,
    publicClient,
    user: { login: user.login, password: user.password, name: user.name, email: user.email, sub: user.sub },
    counts,
    requests,
    resetCounts() {
      for (const r of ROUTE_NAMES) counts[r] = 0;
      requests.length = 0;
    },
    addFault(fault) {
      if (!ROUTE_NAMES.includes(fault.route)) throw new TypeError(`unknown route ${String(fault.route)}`);
      if (fault.transform && fault.route !== 'discovery') throw new TypeError('transform only applies to the discovery route');
      if (fault.times !== undefined && !(Number.isInteger(fault.times) && fault.times > 0)) throw new TypeError('times must be a positive integer');
      faults.push({ fault, remaining: fault.times });
    },
    omitIssFromRedirects() {
      omitIss = true;
    },
    registerRedirectUri(uri) {
      if (!publicClient.redirectUris.includes(uri)) publicClient.redirectUris.push(uri);
    },
    clearFaults() {
      faults.length = 0;
      omitIss = false;
    },
    revokeAllTokens() {
      for (const jti of issuedJtis) revokedJtis.add(jti);
      issuedJtis.clear();
      store.clear();
      tenantByGrant.clear();
    },
    async close() {
      closed = true;
      for (const release of [...pendingDelays]) release();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Takes `iss` out of any redirect the provider answers on this response. */
function withoutIssInLocation(res: ServerResponse): void {
  const setHeader = res.setHeader.bind(res);
  res.setHeader = (name: string, value: number | string | readonly string[]) => {
    // Relative redirects stay inside the provider (interaction pages): only the way out matters.
    if (name.toLowerCase() !== 'location' || typeof value !== 'string' || !URL.canParse(value)) return setHeader(name, value);
    const location = new URL(value);
    location.searchParams.delete('iss');
    return setHeader(name, location.href);
  };
}

function exportJwk(key: KeyObject): JWK {
  return key.export({ format: 'jwk' }) as JWK;
}

function flattenForm(body: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(',') : v;
  }
  return out;
}

function defaultFaultBody(status: number): string {
  const error = status === 429 || status === 503 ? 'temporarily_unavailable' : status >= 500 ? 'server_error' : 'invalid_request';
  return JSON.stringify({ error, error_description: `HTTP ${status} injected by the OCS emulator` });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
