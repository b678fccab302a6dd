import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLocalJWKSet, type JWK } from 'jose';
import { authenticate, forbidden, withScope } from './tenants-api.ts';

export interface AccountApiOptions {
  issuer: string;
  audience: string;
  signingKey: JWK;
  accountId: string;
  dataStoreId: string;
  /** The stream ids …/sds/{dataStoreId}/v2/Streams lists, in order. */
  streamIds: string[];
  isRevoked: (jti: string) => boolean;
}

export const ACCOUNT_API_SCOPE = 'api';
const DEFAULT_PAGE = 2;

// {resource}/api/account/{accountId}/…, as CONNECT data services lay out their APIs (the
// CONNECT samples: …/sds/{dataStoreId}/v2/Streams, lists paged with continuationToken).
// Stricter than the real one where it matters to a client: only tokens of this account's
// issuer, with the `api` scope, for this account.
export function createAccountApi(opts: AccountApiOptions) {
  const keys = createLocalJWKSet({ keys: [opts.signingKey] });
  const prefix = `/api/account/${opts.accountId.toLowerCase()}/`;

  return async function account(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const authenticated = await authenticate(req, res, { keys, issuer: opts.issuer, audience: opts.audience, isRevoked: opts.isRevoked });
    const claims = authenticated && withScope(authenticated, res, ACCOUNT_API_SCOPE);
    if (!claims) return;
    if (!url.pathname.toLowerCase().startsWith(prefix)) {
      forbidden(res, 'The token is not valid for this account.');
      return;
    }
    const rest = url.pathname.slice(prefix.length);
    if (req.method === 'GET' && rest.toLowerCase() === `sds/${opts.dataStoreId.toLowerCase()}/v2/streams`) {
      const count = Number(url.searchParams.get('count') ?? DEFAULT_PAGE);
      const start = Number(url.searchParams.get('continuationToken') ?? 0);
      if (!Number.isInteger(count) || count < 1 || !Number.isInteger(start) || start < 0) {
        json(res, 400, { error: 'bad count or continuationToken' });
        return;
      }
      const items = opts.streamIds.slice(start, start + count).map((id) => ({ id, name: id, typeId: 'TimeIndexedDouble' }));
      const next = start + count < opts.streamIds.length ? String(start + count) : null;
      json(res, 200, { items, continuationToken: next });
      return;
    }
    json(res, 404, { error: 'not_found', path: url.pathname });
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}
