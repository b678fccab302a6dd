import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JWK } from 'jose';

export interface Tenant {
  id: string;
  name: string;
  alias: string;
}

export interface TenantsApiOptions {
  issuer: string;
  audience: string;
  signingKey: JWK;
  tenant: Tenant;
  isRevoked: (jti: string) => boolean;
}

// GET /api/{version}/Tenants/{id}: the call OCS clients make to prove a token works. Errors
// follow ASP.NET's JwtBearer (what OCS runs): 401 with an empty body and a WWW-Authenticate
// challenge, 403 with OCS's { OperationId, Error, Reason, Resolution } body.
export function createTenantsApi(opts: TenantsApiOptions) {
  const keys = createLocalJWKSet({ keys: [opts.signingKey] });

  return async function tenants(req: IncomingMessage, res: ServerResponse, tenantId: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const authenticated = await authenticate(req, res, { keys, issuer: opts.issuer, audience: opts.audience, isRevoked: opts.isRevoked });
    const claims = authenticated && withScope(authenticated, res, 'ocsapi');
    if (!claims) return;
    // Real OCS answers 403 rather than 404 for a tenant the caller does not belong to, whether
    // or not it exists, so tenant ids cannot be probed.
    if (typeof claims.tid !== 'string' || claims.tid.toLowerCase() !== tenantId.toLowerCase()) {
      forbidden(res, `The token is not valid for tenant ${tenantId}.`);
      return;
    }
    if (tenantId.toLowerCase() !== opts.tenant.id.toLowerCase()) {
      forbidden(res, `Tenant ${tenantId} does not exist.`);
      return;
    }

    const body = JSON.stringify({
      Id: opts.tenant.id,
      Alias: opts.tenant.alias,
      CompanyName: opts.tenant.name,
      State: 'Active',
      ProvisioningState: 'Provisioned',
      Region: 'emulator',
    });
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' }).end(req.method === 'HEAD' ? undefined : body);
  };
}

export interface BearerCheck {
  keys: ReturnType<typeof createLocalJWKSet>;
  issuer: string;
  audience: string;
  isRevoked: (jti: string) => boolean;
}

/**
 * The bearer token's claims when it is a live access token of this issuer for this API;
 * otherwise the 401 is sent (RFC 6750 §3.1: no error code when no credentials came at all).
 */
export async function authenticate(req: IncomingMessage, res: ServerResponse, check: BearerCheck): Promise<Record<string, unknown> | undefined> {
  const match = /^Bearer +(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!match?.[1]) {
    res.writeHead(401, { 'WWW-Authenticate': 'Bearer' }).end();
    return undefined;
  }
  let claims: Record<string, unknown>;
  try {
    ({ payload: claims } = await jwtVerify(match[1], check.keys, {
      issuer: check.issuer,
      audience: check.audience,
      typ: 'at+jwt',
      algorithms: ['RS256'],
    }));
  } catch (err) {
    challenge(res, err instanceof joseErrors.JWTExpired ? 'The token expired' : 'The token is invalid');
    return undefined;
  }
  if (typeof claims.jti === 'string' && check.isRevoked(claims.jti)) {
    challenge(res, 'The token was revoked');
    return undefined;
  }
  return claims;
}

function challenge(res: ServerResponse, description: string): void {
  res.writeHead(401, { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${description}"` }).end();
}

/** The token's claims if it carries `scope`, else a 403 insufficient_scope answered and undefined. */
export function withScope(claims: Record<string, unknown>, res: ServerResponse, scope: string): Record<string, unknown> | undefined {
  const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
  if (scopes.includes(scope)) return claims;
  forbidden(res, `The token lacks the ${scope} scope.`, `Bearer error="insufficient_scope", scope="${scope}"`);
  return undefined;
}

export function forbidden(res: ServerResponse, reason: string, wwwAuthenticate?: string): void {
  const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8' };
  if (wwwAuthenticate) headers['WWW-Authenticate'] = wwwAuthenticate;
  res.writeHead(403, headers).end(JSON.stringify({
    OperationId: randomUUID(),
    Error: 'Forbidden',
    Reason: reason,
    Resolution: 'Use a token issued for this tenant with the ocsapi scope.',
  }));
}
