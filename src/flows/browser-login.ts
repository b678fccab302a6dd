import { InterruptedError, NetworkError } from '../errors.js';
import type { CompleteSettings } from '../config/settings.js';
import { type AuthorizationResponse, listenForCallback, type ScopeRefused } from './callback-server.js';
import { discover } from './discovery.js';
import type { FlowDeps } from './flow-deps.js';
import { jwtClaims } from './jwt.js';
import { authorizationCodeRequest, authorizationUrl, type CodeTokens, createPkce, processAuthorizationCodeResponse, randomToken } from './pkce.js';
import { personScope, refusesScope, scopeRefusedWarning, storePersonSession, type PersonLogin } from './public-session.js';
import { toStoredToken } from './stored-token.js';
import { fetchTenant } from './tenant.js';

export interface BrowserLoginRequest {
  settings: CompleteSettings;
  /** How long to wait for the browser to come back (SPEC default 300 s). */
  timeoutMs: number;
  /** Aborted by Ctrl-C: the wait ends, and nothing is stored afterwards. */
  signal?: AbortSignal | undefined;
  /**
   * The loopback server is listening: put this URL in front of the person (browser, stderr).
   * `offers` says what else the server offers a person who has no browser at hand.
   */
  showAuthorizeUrl(url: string, offers: { deviceCode: boolean }): Promise<void>;
  /**
   * While the login waits, take addresses the person pastes (the browser may run on another
   * machine, where the redirect to this one's loopback cannot arrive): `take` judges one and
   * says why it was not taken. Returns the function that stops listening.
   */
  acceptPastedAddress?(take: (address: string) => string | undefined): () => void;
  /** The browser came back; what is left is talking to the server. */
  onBrowserReturned?(): void;
}

/**
 * Authorization code + PKCE through the person's browser and a loopback redirect. The tokens
 * are proven against the tenant API (OCS) before anything is stored; until then a failure leaves
 * the stored state as it was.
 */
export async function loginWithBrowser(deps: FlowDeps, request: BrowserLoginRequest): Promise<PersonLogin> {
  const { settings, signal } = request;
  const http = await deps.http();
  // Fetched afresh, not from the discovery cache: a login is rare and interactive, and
  // withProviderMetadata's retry-on-moved-endpoint would repeat the whole browser dance.
  const metadata = await discover(http, settings.discoveryUrl, deps.trace);
  if (!metadata.authorization_endpoint) {
    throw new NetworkError(`the discovery document at ${settings.discoveryUrl} names no authorization_endpoint, so a browser login is not possible`, {
      hint: 'use --client-credentials with this resource',
    });
  }

  const offers = { deviceCode: metadata.device_authorization_endpoint !== undefined };
  const { authorization_endpoint: authorizationEndpoint } = metadata;
  // Fresh PKCE, state and nonce for every authorization request (SPEC "Security").
  const attemptFor = (scope: string) => {
    const attempt = { pkce: createPkce(), state: randomToken(), nonce: randomToken(), scope };
    const url = authorizationUrl(authorizationEndpoint, {
      clientId: settings.clientId,
      redirectUri: settings.redirectUri,
      scope,
      codeChallenge: attempt.pkce.challenge,
      state: attempt.state,
      nonce: attempt.nonce,
      tenantId: settings.tenantId,
    });
    return { ...attempt, url };
  };
  const asked = personScope(settings);
  let attempt = attemptFor(asked.scope);
  let fallback = asked.fallback;
  const server = await listenForCallback({
    redirectUri: settings.redirectUri,
    state: attempt.state,
    issuer: metadata.issuer,
    issRequired: metadata.authorization_response_iss_parameter_supported === true,
  });
  try {
    await request.showAuthorizeUrl(attempt.url, offers);
    let tokens: CodeTokens | undefined;
    while (tokens === undefined) {
      // Whichever comes first, the redirect or the pasted address, is the answer; the other stops.
      const stopPasting = request.acceptPastedAddress?.((address) => server.paste(address));
      let answer: AuthorizationResponse | ScopeRefused;
      try {
        answer = fallback === undefined ? await server.wait({ timeoutMs: request.timeoutMs, signal }) : await server.wait({ timeoutMs: request.timeoutMs, signal, scopeRefusable: true });
      } finally {
        stopPasting?.();
      }
      if ('code' in answer) {
        request.onBrowserReturned?.();
        // The lifetime counts from before the request, so the token is never thought fresher than it is.
        const requestedAt = deps.now();
        const exchange = { clientId: settings.clientId, code: answer.code, codeVerifier: attempt.pkce.verifier, redirectUri: settings.redirectUri };
        const response = await authorizationCodeRequest(http, metadata.token_endpoint, exchange);
        // A server may refuse the scope only here, at the token endpoint: the same remedy.
        if (fallback === undefined || !refusesScope(response)) {
          tokens = processAuthorizationCodeResponse(response, requestedAt, { nonce: attempt.nonce, issuer: metadata.issuer, clientId: settings.clientId });
          continue;
        }
      }
      // The default's offline_access refused: a short session beats none. A configured scope
      // is asked for as given, and its refusal fails the login.
      deps.warn(scopeRefusedWarning(metadata.issuer));
      attempt = attemptFor(fallback!);
      fallback = undefined;
      // A browser here is sent straight on; one elsewhere (the answer was pasted) needs the new URL.
      if (!server.retry(attempt.state, attempt.url)) await request.showAuthorizeUrl(attempt.url, offers);
    }
    const token = toStoredToken(tokens, settings, metadata.issuer);
    // A CONNECT account has no call like the tenant one; whoami asks userinfo instead.
    const tenant = settings.tenantId === undefined ? undefined : await fetchTenant(http, { ...settings, tenantId: settings.tenantId }, token.access_token);

    if (signal?.aborted) throw new InterruptedError('login interrupted before the tokens were stored; nothing was stored');
    await storePersonSession(deps, settings, 'pkce', { issuer: metadata.issuer, token, refreshToken: tokens.refreshToken, scope: attempt.scope });
    await server.signedIn();
    return {
      token,
      tenant,
      claims: { ...jwtClaims(token.access_token), ...tokens.idTokenClaims },
      refreshTokenStored: tokens.refreshToken !== undefined,
    };
  } catch (error) {
    // The browser's page says what failed, as the terminal does.
    await server.close(error);
    throw error;
  }
}
