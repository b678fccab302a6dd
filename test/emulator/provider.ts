import { randomBytes } from 'node:crypto';
import Provider, { errors, type IssuedToken, type KoaContext } from 'oidc-provider';
import type { JWK } from 'jose';
import type { MemoryStore } from './memory-store.ts';
import { errorPage, type TestUser } from './interactions.ts';

export interface ProviderOptions {
  issuer: string;
  apiResource: string; // resource indicator and `aud` of every access token
  accessTokenTtl: number;
  tenantId: string;
  confidentialClient: { clientId: string; clientSecret: string };
  publicClient: { clientId: string; redirectUris: string[] };
  /** RFC 8628: a public client that logs in with a code entered in a browser. */
  deviceClient: { clientId: string };
  /** Seconds a device code lives. */
  deviceCodeTtl: number;
  user: TestUser;
  signingKey: JWK; // private RS256 key
  store: MemoryStore;
  tenantOfGrant: (grantId: string) => string | undefined;
  onIssued: (jti: string) => void;
  extraAccessTokenClaims: Record<string, unknown>;
  /** The API's scope: `ocsapi` (OCS) or `api` (CONNECT). */
  apiScope: string;
  /**
   * OCS: a client-credentials request without scope gets the API scope, as IdentityServer
   * does. CONNECT: not; its samples always send scope=api, and a token without it is refused.
   */
  defaultClientCredentialsScope: boolean;
  /** Characters in each refresh token (default: oidc-provider's 43); Azure AD's run to about 2,000. */
  refreshTokenLength: number | undefined;
}

// Paths under the /identity mount, as OCS's IdentityServer names them.
export const ROUTES = {
  authorization: '/connect/authorize',
  token: '/connect/token',
  revocation: '/connect/revocation',
  userinfo: '/connect/userinfo',
  end_session: '/connect/endsession',
  device_authorization: '/connect/deviceauthorization',
  // The page where the person types the user code.
  code_verification: '/connect/device',
  jwks: '/.well-known/openid-configuration/jwks',
} as const;

export const OCS_API_SCOPE = 'ocsapi';

export function createProvider(o: ProviderOptions): Provider {
  const provider = configureProvider(o);
  // OCS (IdentityServer) compares redirect URIs as strings, ignoring case only: a loopback
  // redirect on another port is refused, although RFC 8252 §7.3 (and oidc-provider, for
  // native clients) would let the port vary. The list is read live, so tests can register
  // the URIs they use (Emulator.registerRedirectUri).
  provider.Client.prototype.redirectUriAllowed = function (value: string): boolean {
    const uris = this.clientId === o.publicClient.clientId ? o.publicClient.redirectUris : [];
    return uris.some((uri) => uri.toLowerCase() === value.toLowerCase());
  };
  // oidc-provider's own ids (formats.bitsOfOpaqueRandomness) stop at about 500 characters: its
  // random pool would ask for more than getRandomValues gives at once.
  const length = o.refreshTokenLength;
  if (length !== undefined) {
    provider.RefreshToken.prototype.generateTokenId = () => randomBytes(Math.ceil((length * 3) / 4)).toString('base64url').slice(0, length);
  }
  return provider;
}

function configureProvider(o: ProviderOptions): Provider {
  const day = 24 * 60 * 60;

  return new Provider(o.issuer, {
    adapter: o.store.adapterClass(),
    jwks: { keys: [o.signingKey] },
    cookies: {
      keys: [randomBytes(32).toString('base64url')],
      // Lax everywhere: plain-http SameSite=None cookies are refused by Chromium anyway, and
      // every step of the login is a same-site top-level navigation.
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    clients: [
      {
        client_id: o.confidentialClient.clientId,
        client_secret: o.confidentialClient.clientSecret,
        client_name: 'OCS emulator client-credentials client',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_post',
      },
      {
        client_id: o.publicClient.clientId,
        client_name: 'OCS emulator PKCE client',
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: o.publicClient.redirectUris,
      },
      {
        client_id: o.deviceClient.clientId,
        client_name: 'OCS emulator device-code client',
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
        response_types: [],
        redirect_uris: [],
      },
    ],
    routes: ROUTES,
    responseTypes: ['code'],
    pkce: { methods: ['S256'], required: () => true },
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      // oidc-provider's own user-code pages; sign-in and consent are the emulator's interactions.
      deviceFlow: { enabled: true },
      pushedAuthorizationRequests: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource(ctx: KoaContext) {
          // IdentityServer grants a client every scope it is allowed when the request names
          // none, and the OCS samples send no scope for client credentials; oidc-provider
          // would issue a scope-less token, so name the API scope on the client's behalf.
          const params = ctx.oidc?.params;
          if (o.defaultClientCredentialsScope && params?.grant_type === 'client_credentials' && !params.scope) params.scope = o.apiScope;
          return o.apiResource;
        },
        useGrantedResource: () => true,
        getResourceServerInfo(_ctx: KoaContext, indicator: string) {
          if (indicator !== o.apiResource) throw new errors.InvalidTarget();
          return { scope: o.apiScope, audience: o.apiResource, accessTokenFormat: 'jwt', accessTokenTTL: o.accessTokenTtl };
        },
      },
    },
    // Absolute path on the identity origin, whatever the mount: the emulator serves them there.
    interactions: { url: (_ctx: KoaContext, interaction: { uid: string }) => `/identity/interaction/${interaction.uid}` },
    rotateRefreshToken: true,
    async findAccount(_ctx: KoaContext, sub: string) {
      if (sub !== o.user.sub) return undefined;
      return {
        accountId: sub,
        claims: async () => ({ sub, name: o.user.name, email: o.user.email, email_verified: true }),
      };
    },
    async extraTokenClaims(_ctx: KoaContext, token: IssuedToken) {
      o.onIssued(token.jti);
      if (token.kind === 'ClientCredentials') return o.defaultClientCredentialsScope ? { ...o.extraAccessTokenClaims, tid: o.tenantId } : { ...o.extraAccessTokenClaims };
      const claims: Record<string, unknown> = { ...o.extraAccessTokenClaims };
      const tid = token.grantId === undefined ? undefined : o.tenantOfGrant(token.grantId);
      if (tid) claims.tid = tid;
      if (token.accountId === o.user.sub) Object.assign(claims, { name: o.user.name, email: o.user.email });
      return claims;
    },
    // Explicit values: the defaults are functions that print a notice the first time they run.
    ttl: {
      AccessToken: o.accessTokenTtl,
      ClientCredentials: o.accessTokenTtl,
      AuthorizationCode: 60,
      DeviceCode: o.deviceCodeTtl,
      IdToken: 3600,
      RefreshToken: 14 * day,
      Interaction: 3600,
      Session: 14 * day,
      Grant: 14 * day,
    },
    clientBasedCORS: () => false,
    async renderError(ctx: KoaContext & { type: string }, out: Record<string, string>) {
      ctx.type = 'html';
      ctx.body = errorPage(Object.entries(out).map(([k, v]) => `${k}: ${String(v)}`).join('\n'));
    },
  });
}
