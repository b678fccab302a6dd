// The OCS emulator: a real OpenID provider (oidc-provider 8) on 127.0.0.1 that answers what
// OCS / AVEVA Data Hub answers on the wire (see /work/shared/SPEC.md), plus fault injection and
// request counting for tests. oidc-provider 8 rather than 9: 9 warns "Unsupported runtime" on
// Node 20 and needs URL.parse (Node >= 20.18), while the CLI supports Node >= 20.12.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generateKeyPair, createPublicKey, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { JWK } from 'jose';
import { MemoryStore } from './memory-store.ts';
import { createInteractions, errorPage, isInteractionError, sendHtml, type TestUser } from './interactions.ts';
import { ACCOUNT_API_SCOPE, createAccountApi } from './account-api.ts';
import { createProvider, OCS_API_SCOPE, refuseOfflineAccessWhen, ROUTES } from './provider.ts';
import { createTenantDataApi, HeldAnswers } from './tenant-data-api.ts';
import { createTenantsApi } from './tenants-api.ts';
import { createUserinfo } from './userinfo.ts';

export type Route = 'discovery' | 'token' | 'authorize' | 'revocation' | 'tenants' | 'jwks' | 'userinfo' | 'account' | 'tenant-data' | 'deviceauthorization' | 'device';

export const ROUTE_NAMES: readonly Route[] = ['discovery', 'token', 'authorize', 'revocation', 'tenants', 'jwks', 'userinfo', 'account', 'tenant-data', 'deviceauthorization', 'device'];

/** Content-Encodings the emulator can answer with, most preferred first: name, whether this Node makes it, compress. */
const COMPRESSIONS: Array<[string, boolean, (body: Buffer) => Buffer]> = [
  ['zstd', typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function', (body) => (zlib as unknown as { zstdCompressSync(body: Buffer): Buffer }).zstdCompressSync(body)],
  ['br', true, (body) => zlib.brotliCompressSync(body)],
  ['gzip', true, (body) => zlib.gzipSync(body)],
];

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
  /**
   * Discovery and token only: rewrite the real answer, after the server has acted on the
   * request (e.g. delete token_endpoint; break the access token of a refresh that rotated).
   */
  transform?: ((doc: any) => any) | undefined;
  /** Reset the TCP connection without answering. */
  destroy?: boolean | undefined;
  /** Let the server act on the request (rotate a refresh token, say), then hold its answer this long. */
  answerDelayMs?: number | undefined;
  /** Let the server act on the request, then reset the connection instead of answering: the answer is lost. */
  loseAnswer?: boolean | undefined;
  /**
   * With `status`: send the head and the body, then never end the answer, the connection kept
   * alive and idle (front ends that wait for the client to hang up do this).
   */
  unfinished?: boolean | undefined;
}

export interface RequestRecord {
  route: Route | 'other';
  /** Which listener took it: CONNECT mode has identity on another origin than the API. */
  origin: string;
  method: string;
  /** The request target as received: path and query string. */
  path: string;
  /** Form body fields, raw (secrets included), when the request had a form body. */
  body?: Record<string, string>;
  /** Epoch ms the request arrived: how far apart polls are. */
  at: number;
  /** The Content-Encoding of a compressed answer (compressAnswers). */
  contentEncoding?: string;
}

export interface Emulator {
  /** e.g. http://127.0.0.1:43123, no trailing slash */
  resource: string;
  port: number;
  apiVersion: 'v1';
  issuer: string;
  /** Where the OpenID configuration is: {issuer}/.well-known/openid-configuration. */
  discoveryUrl: string;
  /** CONNECT mode only: the account, its identity origin (another port), a data store with streams. */
  connect: { accountId: string; identityOrigin: string; dataStoreId: string; streamIds: string[] } | undefined;
  tenantId: string;
  tenantName: string;
  tenantAlias: string;
  confidentialClient: { clientId: string; clientSecret: string };
  publicClient: { clientId: string; redirectUris: string[] };
  /** RFC 8628 device-code client (public, refresh tokens with offline_access). */
  deviceClient: { clientId: string };
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
  /**
   * Until clearFaults(): the browser-login and device-code clients may not ask for
   * offline_access, and a request that does is answered invalid_scope, as a server that
   * keeps sessions short does.
   */
  refuseOfflineAccess(): void;
  /**
   * Until clearFaults(): discovery and token answers are compressed as a CDN front end does,
   * with the first of zstd (where this Node can make it), br and gzip that the request accepts.
   */
  compressAnswers(): void;
  /** Adds a redirect URI to the public client's: matched exactly, as OCS does, port included. */
  registerRedirectUri(uri: string): void;
  clearFaults(): void;
  /**
   * Every access token issued so far is answered 401 by the tenants endpoint; every grant,
   * refresh token, authorization code and login session is forgotten (refresh → invalid_grant).
   * Tokens issued afterwards work.
   */
  revokeAllTokens(): void;
  /**
   * Answers of GET …/Tenants/{id}/Namespaces/{ns}/Held?bytes=N send their first half, then wait
   * for this (or 10 s): a client that shows the body before it has all of it is streaming.
   */
  releaseHeldAnswers(): void;
  /** How many held answers have been sent to the end. */
  heldAnswersFinished(): number;
  /** From now on, refresh tokens this many characters long (undefined: the default 43). */
  setRefreshTokenLength(length: number | undefined): void;
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
  /** The test user's name and email claims (default Alice Example): hostile text for the terminal checks. */
  userName?: string | undefined;
  userEmail?: string | undefined;
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  publicClientId?: string | undefined;
  deviceClientId?: string | undefined;
  /**
   * RFC 8628: the `interval` the device authorization endpoint answers (seconds, default 5,
   * the RFC's default) and how long a device code lives (seconds, default 600).
   */
  deviceFlow?: { interval?: number | undefined; codeTtl?: number | undefined } | undefined;
  /** Replaces the default redirect URIs of the public client. */
  redirectUris?: string[] | undefined;
  /** Added to every access token, e.g. many role claims, to make tokens as large as real ones get. */
  extraAccessTokenClaims?: Record<string, unknown> | undefined;
  /**
   * Serve HTTPS with this key and certificate. `origin` (e.g. https://ocs.test) is then the
   * emulator's public address, in its resource and issuer; the test makes it reach the
   * listener (a forward proxy that maps the name to 127.0.0.1:port).
   */
  tls?: { key: string; cert: string; origin: string } | undefined;
  /**
   * CONNECT data services instead of OCS: identity on its own listener (another origin),
   * discovery at /account/{accountId}/authentication/.well-known/openid-configuration there,
   * client credentials given no API scope unless they ask for `api`, and an account API under
   * {resource}/api/account/{accountId}/ that takes only this issuer's tokens.
   */
  connect?: { accountId?: string | undefined; dataStoreId?: string | undefined } | boolean | undefined;
  /**
   * Refresh tokens this many characters long (default 43), new ones on every refresh as
   * always: more than a Windows Credential Manager entry holds from 1,281 on.
   */
  refreshTokenLength?: number | undefined;
}

// Fixed so that `npm run emulator` prints the same values every time.
export const DEFAULTS = {
  tenantId: '5c8d9a2e-71b4-4f3a-9e06-0d2f6b1c4a77',
  tenantName: 'Emulated Company',
  tenantAlias: 'emulated',
  clientId: '0a3c6e1f-9b27-4d58-8f10-c2e4a6b8d001',
  clientSecret: 'emulator-secret-not-for-production',
  publicClientId: '0a3c6e1f-9b27-4d58-8f10-c2e4a6b8d002',
  deviceClientId: '0a3c6e1f-9b27-4d58-8f10-c2e4a6b8d003',
  // Matched exactly, port included, as OCS does: tests on other ports register theirs.
  redirectUris: ['http://localhost:5004/callback.html', 'http://127.0.0.1:5004/callback.html'],
  user: {
    sub: '7f4b2c9e-3d61-4a85-b0e2-9c1d5f8a6e33',
    login: 'alice@example.com',
    password: 'correct horse',
    name: 'Alice Example',
    email: 'alice@example.com',
  } satisfies TestUser,
  accountId: '3e1f0c7a-5b2d-4c68-9a41-8d7e6f5a4b03',
  dataStoreId: 'emulated-store',
  streamIds: ['pump-1.flow', 'pump-1.pressure', 'pump-2.flow', 'pump-2.pressure', 'tank-1.level'],
} as const;

const OCS_MOUNT = '/identity';
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
  const deviceClient = { clientId: opts.deviceClientId ?? DEFAULTS.deviceClientId };
  const deviceInterval = opts.deviceFlow?.interval ?? 5;
  let refreshTokenLength = opts.refreshTokenLength;
  const user: TestUser = { ...DEFAULTS.user, name: opts.userName ?? DEFAULTS.user.name, email: opts.userEmail ?? DEFAULTS.user.email };

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
  let refuseOffline = false;
  let compress = false;

  // The issuer embeds the port, so listen before the provider exists and route to it lazily.
  const listen = async (handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>, port: number) => {
    const serve = (req: IncomingMessage, res: ServerResponse): void => {
      handler(req, res).catch((err: unknown) => {
        console.error('OCS emulator: request failed:', err);
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end('emulator error');
      });
    };
    const listener = opts.tls ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, serve) : createServer(serve);
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(port, '127.0.0.1', () => resolve());
    });
    return listener;
  };
  const connectOptions = opts.connect === true ? {} : opts.connect || undefined;
  const server = await listen((req, res) => handle(req, res, 'api'), opts.port ?? 0);
  const servers = [server];
  const port = (server.address() as AddressInfo).port;
  const resource = opts.tls?.origin.replace(/\/+$/, '') ?? `http://127.0.0.1:${port}`;
  let identityOrigin = resource;
  let connect: Emulator['connect'];
  if (connectOptions) {
    const identityServer = await listen((req, res) => handle(req, res, 'identity'), 0);
    servers.push(identityServer);
    identityOrigin = `http://127.0.0.1:${(identityServer.address() as AddressInfo).port}`;
    connect = {
      accountId: connectOptions.accountId ?? DEFAULTS.accountId,
      identityOrigin,
      dataStoreId: connectOptions.dataStoreId ?? DEFAULTS.dataStoreId,
      streamIds: [...DEFAULTS.streamIds],
    };
  }
  const MOUNT = connect ? `/account/${connect.accountId}/authentication` : OCS_MOUNT;
  const issuer = `${identityOrigin}${MOUNT}`;
  const apiResource = `${resource}/api`;

  const provider = createProvider({
    issuer,
    apiResource,
    accessTokenTtl,
    tenantId: tenant.id,
    confidentialClient,
    publicClient,
    deviceClient,
    deviceCodeTtl: opts.deviceFlow?.codeTtl ?? 600,
    user,
    signingKey,
    store,
    tenantOfGrant: (grantId) => tenantByGrant.get(grantId),
    onIssued: (jti) => issuedJtis.add(jti),
    extraAccessTokenClaims: opts.extraAccessTokenClaims ?? {},
    apiScope: connect ? ACCOUNT_API_SCOPE : OCS_API_SCOPE,
    defaultClientCredentialsScope: !connect,
    refreshTokenLength: () => refreshTokenLength,
  });
  await refuseOfflineAccessWhen(provider, [publicClient.clientId, deviceClient.clientId], () => refuseOffline);
  // Without a listener these are swallowed into a bare 500 server_error response.
  provider.on('server_error', (_ctx: unknown, err: unknown) => console.error('OCS emulator: oidc-provider server_error:', err));
  // Runs inside the provider once it has parsed the request: log the form body it read (the
  // stream is gone by then), and apply a transform to the discovery document or token answer it built.
  provider.use(async (ctx, next) => {
    await next();
    const state = inFlight.get(ctx.req);
    if (!state) return;
    const body = ctx.oidc?.body;
    if (body && Object.keys(body).length > 0) state.record.body = flattenForm(body);
    if (state.transform && (ctx.oidc?.route === 'discovery' || ctx.oidc?.route === 'token') && ctx.status === 200) {
      ctx.body = state.transform(structuredClone(ctx.body));
    }
    if (compress && (ctx.oidc?.route === 'discovery' || ctx.oidc?.route === 'token') && ctx.status === 200) {
      const accepted = ctx.get('accept-encoding').split(',').map((part) => part.split(';')[0]!.trim().toLowerCase());
      const encoding = COMPRESSIONS.find(([name, available]) => available && accepted.includes(name));
      if (encoding) {
        ctx.body = encoding[2](Buffer.from(JSON.stringify(ctx.body)));
        ctx.type = 'application/json; charset=utf-8';
        ctx.set('Content-Encoding', encoding[0]);
        state.record.contentEncoding = encoding[0];
      }
    }
    // oidc-provider names no interval: clients then wait the RFC's 5 s, too long for tests.
    if (ctx.oidc?.route === 'device_authorization' && ctx.status === 200) {
      ctx.body = { ...(ctx.body as object), interval: deviceInterval };
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
  const accountApi = connect
    ? createAccountApi({
        issuer,
        audience: apiResource,
        signingKey: verificationKey,
        accountId: connect.accountId,
        dataStoreId: connect.dataStoreId,
        streamIds: connect.streamIds,
        isRevoked: (jti) => revokedJtis.has(jti),
      })
    : undefined;
  const held = new HeldAnswers();
  const tenantData = createTenantDataApi({ issuer, audience: apiResource, signingKey: verificationKey, tenantId: tenant.id, isRevoked: (jti) => revokedJtis.has(jti), held });
  const userinfo = createUserinfo({ issuer, audience: apiResource, signingKey: verificationKey, user, isRevoked: (jti) => revokedJtis.has(jti) });

  /** What a listener serves: in CONNECT mode the API origin has no identity paths and vice versa. */
  function classify(pathname: string, listener: 'api' | 'identity'): Route | 'other' {
    if (connect && listener === 'api') {
      return pathname.toLowerCase().startsWith('/api/account/') ? 'account' : 'other';
    }
    if (connect) return pathname.startsWith(`${MOUNT}/`) ? identityRoute(pathname) : 'other';
    return identityRoute(pathname);
  }

  function identityRoute(pathname: string): Route | 'other' {
    switch (pathname) {
      case `${MOUNT}/.well-known/openid-configuration`: return 'discovery';
      case `${MOUNT}${ROUTES.jwks}`: return 'jwks';
      case `${MOUNT}${ROUTES.token}`: return 'token';
      case `${MOUNT}${ROUTES.authorization}`: return 'authorize';
      case `${MOUNT}${ROUTES.revocation}`: return 'revocation';
      case `${MOUNT}${ROUTES.userinfo}`: return 'userinfo';
      case `${MOUNT}${ROUTES.device_authorization}`: return 'deviceauthorization';
      case `${MOUNT}${ROUTES.code_verification}`: return 'device';
      default:
        if (/^\/api\/v1\/tenants\/[^/]+$/i.test(pathname)) return 'tenants';
        return /^\/api\/v1\/tenants\/[^/]+\/./i.test(pathname) ? 'tenant-data' : 'other';
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

  async function handle(req: IncomingMessage, res: ServerResponse, listener: 'api' | 'identity'): Promise<void> {
    const started = Date.now();
    const target = req.url ?? '/';
    const origin = listener === 'identity' ? identityOrigin : resource;
    const url = new URL(target, origin);
    const route = classify(url.pathname, listener);
    if (route !== 'other') counts[route]++;
    const record: RequestRecord = { route, origin, method: req.method ?? 'GET', path: target, at: started };
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
      });
      if (fault.unfinished) res.write(fault.body ?? defaultFaultBody(fault.status));
      else res.end(fault.body ?? defaultFaultBody(fault.status));
      return;
    }
    inFlight.set(req, fault?.transform ? { record, transform: fault.transform } : { record });
    if (fault?.answerDelayMs !== undefined || fault?.loseAnswer) holdAnswer(res, fault);

    const onIdentity = !connect || listener === 'identity';
    const interaction = /^\/identity\/interaction\/([^/]+)(\/abort)?$/.exec(url.pathname);
    if (interaction?.[1] && onIdentity) {
      await handleInteraction(req, res, decodeURIComponent(interaction[1]), interaction[2] !== undefined, record);
    } else if (route === 'userinfo') {
      await userinfo(req, res);
    } else if (onIdentity && (url.pathname === MOUNT || url.pathname.startsWith(`${MOUNT}/`))) {
      await toProvider(req, res, url);
    } else if (route === 'account' && accountApi) {
      await accountApi(req, res, url);
    } else if (route === 'tenant-data') {
      await tenantData(req, res, url);
    } else if (route === 'tenants') {
      await tenantsApi(req, res, decodeURIComponent(url.pathname.split('/').pop() ?? ''));
    } else {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'not_found', path: url.pathname }));
    }
  }

  /** The answer is written by the provider after it has acted; delay it, or lose it on the way. */
  function holdAnswer(res: ServerResponse, fault: Fault): void {
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.end = ((...args: unknown[]) => {
      void (async () => {
        if (fault.answerDelayMs) await delay(fault.answerDelayMs);
        if (fault.loseAnswer || closed || res.socket?.destroyed) {
          res.socket?.resetAndDestroy();
          return;
        }
        end(...args);
      })();
      return res;
    }) as ServerResponse['end'];
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
    discoveryUrl: `${issuer}/.well-known/openid-configuration`,
    connect,
    tenantId: tenant.id,
    tenantName: tenant.name,
    tenantAlias: tenant.alias,
    confidentialClient,
    publicClient,
    deviceClient,
    user: { login: user.login, password: user.password, name: user.name, email: user.email, sub: user.sub },
    counts,
    requests,
    resetCounts() {
      for (const r of ROUTE_NAMES) counts[r] = 0;
      requests.length = 0;
    },
    addFault(fault) {
      if (!ROUTE_NAMES.includes(fault.route)) throw new TypeError(`unknown route ${String(fault.route)}`);
      if (fault.transform && fault.route !== 'discovery' && fault.route !== 'token') throw new TypeError('transform only applies to the discovery and token routes');
      if (fault.times !== undefined && !(Number.isInteger(fault.times) && fault.times > 0)) throw new TypeError('times must be a positive integer');
      faults.push({ fault, remaining: fault.times });
    },
    omitIssFromRedirects() {
      omitIss = true;
    },
    refuseOfflineAccess() {
      refuseOffline = true;
    },
    compressAnswers() {
      compress = true;
    },
    registerRedirectUri(uri) {
      if (!publicClient.redirectUris.includes(uri)) publicClient.redirectUris.push(uri);
    },
    clearFaults() {
      faults.length = 0;
      omitIss = false;
      refuseOffline = false;
      compress = false;
    },
    revokeAllTokens() {
      for (const jti of issuedJtis) revokedJtis.add(jti);
      issuedJtis.clear();
      store.clear();
      tenantByGrant.clear();
    },
    releaseHeldAnswers() {
      held.release();
    },
    heldAnswersFinished: () => held.finished,
    setRefreshTokenLength(length) {
      refreshTokenLength = length;
    },
    async close() {
      closed = true;
      held.release();
      for (const release of [...pendingDelays]) release();
      await Promise.all(
        servers.map(
          (listener) =>
            new Promise<void>((resolve) => {
              listener.close(() => resolve());
              listener.closeAllConnections();
            }),
        ),
      );
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
