import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLocalJWKSet, type JWK } from 'jose';
import type { TestUser } from './interactions.ts';
import { authenticate } from './tenants-api.ts';

export interface UserinfoOptions {
  issuer: string;
  audience: string;
  signingKey: JWK;
  user: TestUser;
  isRevoked: (jti: string) => boolean;
}

// OpenID Connect Core §5.3. oidc-provider's own userinfo endpoint refuses the JWT access
// tokens it issues for a resource server (they carry an audience), while an identity server
// such as CONNECT's answers them; this one accepts this issuer's live tokens for the user.
export function createUserinfo(opts: UserinfoOptions) {
  const keys = createLocalJWKSet({ keys: [opts.signingKey] });
  return async function userinfo(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'POST') {
      res.writeHead(405, { Allow: 'GET, POST' }).end();
      return;
    }
    const claims = await authenticate(req, res, { keys, issuer: opts.issuer, audience: opts.audience, isRevoked: opts.isRevoked });
    if (!claims) return;
    if (claims.sub !== opts.user.sub) {
      // A client-credentials token names no user.
      res.writeHead(403, { 'WWW-Authenticate': 'Bearer error="insufficient_scope"' }).end();
      return;
    }
    res
      .writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' })
      .end(JSON.stringify({ sub: opts.user.sub, name: opts.user.name, email: opts.user.email, email_verified: true }));
  };
}
