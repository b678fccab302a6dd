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

    const match = /^Bearer +(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match?.[1]) {
      // RFC 6750 §3.1: no error code when the request carried no credentials at all.
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer' }).end();
      return;
    }

    let claims: Record<string, unknown>;
    try {
      ({ payload: claims } = await jwtVerify(match[1], keys, {
        issuer: opts.issuer,
        audience: opts.audience,
        typ: 'at+jwt',
        algorithms: ['RS256'],
      }));
    } catch (err) {
      const reason = err instanceof joseErrors.JWTExpired ? 'The token expired' : 'The token is invalid';
      challenge(res, reason);
      return;
    }
    if (typeof claims.jti === 'string' && opts.isRevoked(claims.jti)) {
      challenge(res, 'The token was revoked');
      return;
    }

    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
    if (!scopes.includes('ocsapi')) {
      forbidden(res, 'The token lacks the ocsapi scope.', 'Bearer error="insufficient_scope", scope="ocsapi"');
      return;
    }
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

function challenge(res: ServerResponse, description: string): void {
  res.writeHead(401, { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${description}"` }).end();
}

function forbidden(res: ServerResponse, reason: string, wwwAuthenticate?: string): void {
  const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8' };
  if (wwwAuthenticate) headers['WWW-Authenticate'] = wwwAuthenticate;
  res.writeHead(403, headers).end(JSON.stringify({
    OperationId: randomUUID(),
    Error: 'Forbidden',
    Reason: reason,
    Resolution: 'Use a token issued for this tenant with the ocsapi scope.',
  }));
}
