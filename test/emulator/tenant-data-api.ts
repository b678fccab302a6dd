import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, type JWK } from 'jose';
import { authenticate, forbidden, withScope } from './tenants-api.ts';

export interface TenantDataApiOptions {
  issuer: string;
  audience: string;
  signingKey: JWK;
  tenantId: string;
  isRevoked: (jti: string) => boolean;
  /** Answers of /Held wait here, half sent, until the test lets them finish. */
  held: HeldAnswers;
}

export const NAMESPACES = ['default', 'plant'];
export const STREAM_IDS = ['pump-1.flow', 'pump-1.pressure', 'pump-2.flow', 'pump-2.pressure', 'tank-1.level'];
const DEFAULT_PAGE = 2;
const HOLD_LIMIT_MS = 10_000;

/** Held answers: released by the test, or after HOLD_LIMIT_MS so nothing hangs. */
export class HeldAnswers {
  /** How many held answers have been sent to the end. */
  finished = 0;
  private waiting = new Set<() => void>();

  wait(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, HOLD_LIMIT_MS);
      this.waiting.add(done);
    });
  }

  release(): void {
    for (const done of [...this.waiting]) done();
  }
}

// {resource}/api/v1/Tenants/{tenantId}/…: a little of what `ocs-auth api` is pointed at in OCS,
// with the token checks of the tenant call. Namespaces (a plain list), Streams (paged with
// continuationToken, spelt `Results`/`ContinuationToken` where CONNECT spells `items`/`continuationToken`), a data view's data (paged with
// Link: rel="next", the ADH data views way), Echo (says what it was sent), Held (a large
// answer that stops half way until the test says go), Forever (a list that never ends), and a JSON 404 for anything else.
export function createTenantDataApi(opts: TenantDataApiOptions) {
  const keys = createLocalJWKSet({ keys: [opts.signingKey] });

  return async function tenantData(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const authenticated = await authenticate(req, res, { keys, issuer: opts.issuer, audience: opts.audience, isRevoked: opts.isRevoked });
    const claims = authenticated && withScope(authenticated, res, 'ocsapi');
    if (!claims) return;
    const [, tenantId = '', ...rest] = /^\/api\/v1\/tenants\/([^/]+)\/(.*)$/i.exec(url.pathname) ?? [];
    if (typeof claims.tid !== 'string' || claims.tid.toLowerCase() !== decodeURIComponent(tenantId).toLowerCase()) {
      forbidden(res, `The token is not valid for tenant ${decodeURIComponent(tenantId)}.`);
      return;
    }
    const segments = (rest[0] ?? '').split('/').map((segment) => decodeURIComponent(segment).toLowerCase());
    const method = req.method ?? 'GET';
    const [collection, namespace, what, ...tail] = segments;
    if (collection !== 'namespaces') return notFound(res, url);
    if (namespace === undefined || namespace === '') {
      if (method === 'GET') return json(res, 200, NAMESPACES.map((id) => ({ Id: id, Region: 'emulator', State: 'Active' })));
    } else if (NAMESPACES.includes(namespace)) {
      if (what === 'streams' && tail.length === 0 && method === 'GET') return streams(res, url);
      if (what === 'echo' && tail.length === 0) return echo(req, res, url);
      if (what === 'dataviews' && tail.length === 2 && tail[1] === 'data' && method === 'GET') return dataViewPage(res, url);
      if (what === 'held' && tail.length === 0 && method === 'GET') return held(res, url, opts.held);
      if (what === 'forever' && tail.length === 0 && method === 'GET') return forever(res, url, opts.held);
    }
    return notFound(res, url);
  };
}

function streams(res: ServerResponse, url: URL): void {
  const count = Number(url.searchParams.get('count') ?? DEFAULT_PAGE);
  const start = Number(url.searchParams.get('continuationToken') ?? 0);
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(start) || start < 0) {
    json(res, 400, { OperationId: randomUUID(), Error: 'Bad Request', Reason: 'count or continuationToken is not valid.' });
    return;
  }
  const Results = STREAM_IDS.slice(start, start + count).map((id) => ({ Id: id, Name: id, TypeId: 'TimeIndexedDouble' }));
  json(res, 200, { Results, ContinuationToken: start + count < STREAM_IDS.length ? String(start + count) : null });
}

/** Rows of a data view, `count` a page; `nextOrigin` (tests only) puts the next link on another origin. */
function dataViewPage(res: ServerResponse, url: URL): void {
  const count = Number(url.searchParams.get('count') ?? DEFAULT_PAGE);
  const page = Number(url.searchParams.get('page') ?? 0);
  const rows = STREAM_IDS.slice(page * count, (page + 1) * count).map((id, index) => ({ Timestamp: `2026-11-24T00:0${page * count + index}:00Z`, Id: id, Value: page * count + index }));
  const links = [`<${url.origin}${url.pathname}?count=${count}&page=0>; rel="first"`];
  if ((page + 1) * count < STREAM_IDS.length) {
    const next = new URL(`${url.pathname}?count=${count}&page=${page + 1}`, url.searchParams.get('nextOrigin') ?? url.origin);
    if (url.searchParams.has('nextOrigin')) next.searchParams.set('nextOrigin', url.searchParams.get('nextOrigin')!);
    links.push(`<${next.href}>; rel="next"`);
  }
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', Link: links.join(', ') }).end(JSON.stringify(rows));
}

async function echo(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const raw = await readBody(req);
  let body: unknown = raw === '' ? null : raw;
  try {
    body = JSON.parse(raw);
  } catch {
    // Not JSON: echoed as the string it was.
  }
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => name.startsWith('x-') || name === 'content-type' || name === 'accept'));
  json(res, 200, { Method: req.method, Query: Object.fromEntries(url.searchParams), Headers: headers, Body: body });
}

/** `bytes` of a JSON array of numbers; the first half at once, the rest once released. */
async function held(res: ServerResponse, url: URL, answers: HeldAnswers): Promise<void> {
  const bytes = Number(url.searchParams.get('bytes') ?? 1_000_000);
  const item = '1234567,';
  const items = Math.max(1, Math.floor((bytes - 2) / item.length));
  const chunk = (n: number) => item.repeat(n);
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(items * item.length + 1) });
  const half = Math.floor(items / 2);
  res.write(`[${chunk(half)}`);
  await answers.wait();
  if (res.destroyed) return;
  // The last item without its comma closes the array.
  res.end(`${chunk(items - half - 1)}1234567]`);
  answers.finished++;
}

/**
 * A list that never ends: every page one item and a new continuation token. The page whose
 * token is `holdAt` waits, unsent, until the test releases the held answers.
 */
async function forever(res: ServerResponse, url: URL, answers: HeldAnswers): Promise<void> {
  const start = Number(url.searchParams.get('continuationToken') ?? 0);
  if (url.searchParams.get('holdAt') === String(start)) {
    await answers.wait();
    answers.finished++;
    if (res.destroyed) return;
  }
  json(res, 200, { Results: [{ Id: `item-${start}` }], ContinuationToken: String(start + 1) });
}

function notFound(res: ServerResponse, url: URL): void {
  json(res, 404, { OperationId: randomUUID(), Error: 'Not Found', Reason: `No resource at ${url.pathname}.`, Resolution: 'Check the path.' });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
