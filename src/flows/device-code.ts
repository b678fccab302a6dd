import { setTimeout as sleep } from 'node:timers/promises';
import { CredentialsRejectedError, InterruptedError, LoginRequiredError, NetworkError, UsageError } from '../errors.js';
import type { CompleteSettings } from '../config/settings.js';
import { discover } from './discovery.js';
import type { FlowDeps } from './flow-deps.js';
import { jsonObject, type HttpClient, type HttpResponse } from './http.js';
import { jwtClaims } from './jwt.js';
import { checkedIdTokenClaims } from './pkce.js';
import { personScope, refusesScope, scopeRefusedWarning, storePersonSession, type PersonLogin } from './public-session.js';
import { toStoredToken } from './stored-token.js';
import { fetchTenant } from './tenant.js';
import { processTokenResponse, type TokenSet } from './token-response.js';

// The OAuth 2.0 Device Authorization Grant (RFC 8628) for a public client: the person enters a
// short code in a browser anywhere (a phone will do) while this process polls the token endpoint.

export interface DeviceAuthorization {
  /** Secret: what the polls present; never shown. */
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  /** The URI with the code in it, where the server gives one (RFC 8628 §3.3.1). */
  verificationUriComplete: string | undefined;
  /** Epoch ms after which the codes are dead. */
  expiresAt: number;
  /** Seconds between polls. */
  intervalSeconds: number;
}

/** RFC 8628 §3.4: without an interval from the server, clients wait 5 seconds. */
export const DEFAULT_POLL_INTERVAL_SECONDS = 5;
/** RFC 8628 §3.5: each slow_down adds 5 seconds to the interval, for good. */
export const SLOW_DOWN_SECONDS = 5;

export interface DeviceAuthorizationParameters {
  clientId: string;
  scope: string;
  /** OCS names the tenant in acr_values, as the browser login does; a CONNECT account sends none. */
  tenantId: string | undefined;
}

/** RFC 8628 §3.1. Not retried: each request makes a new code, and the first one may be the one on screen. */
export function deviceAuthorizationRequest(http: HttpClient, endpoint: string, parameters: DeviceAuthorizationParameters): Promise<HttpResponse> {
  const form: Record<string, string> = { client_id: parameters.clientId, scope: parameters.scope };
  if (parameters.tenantId !== undefined) form.acr_values = `tenant:${parameters.tenantId}`;
  return http.postForm(endpoint, form, { retry: false });
}

/** RFC 8628 §3.2, checked: what reaches the terminal and the browser must be what it claims to be. */
export function processDeviceAuthorizationResponse(response: HttpResponse, requestedAt: number): DeviceAuthorization {
  const body = jsonObject(response);
  if (response.status !== 200) throw deviceAuthorizationError(response, body);
  if (!body) throw new NetworkError(`the device authorization endpoint answered ${response.status} with something that is not JSON`);
  const text = (name: string): string => {
    const value = body[name];
    // A control character in a code or URI would let the server write to the terminal.
    if (typeof value !== 'string' || value === '' || /[\u0000-\u001f\u007f-\u009f]/.test(value)) {
      throw new NetworkError(`the device authorization endpoint answered without a usable ${name}`);
    }
    return value;
  };
  const webUrl = (name: string): string => {
    const value = text(name);
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new NetworkError(`the device authorization endpoint answered an invalid ${name}`);
    }
    // Opened in a browser: no javascript:, file: or the like.
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new NetworkError(`the device authorization endpoint answered a ${name} that is not a web address`);
    return value;
  };
  const seconds = (name: string, fallback: number | undefined): number => {
    const value = body[name] ?? fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 24 * 3600) {
      throw new NetworkError(`the device authorization endpoint answered an unusable ${name} (${JSON.stringify(body[name])})`);
    }
    return value;
  };
  return {
    deviceCode: text('device_code'),
    userCode: text('user_code'),
    verificationUri: webUrl('verification_uri'),
    verificationUriComplete: body.verification_uri_complete === undefined ? undefined : webUrl('verification_uri_complete'),
    expiresAt: requestedAt + seconds('expires_in', undefined) * 1000,
    intervalSeconds: seconds('interval', DEFAULT_POLL_INTERVAL_SECONDS),
  };
}

function deviceAuthorizationError(response: HttpResponse, body: Record<string, unknown> | undefined): Error {
  const code = typeof body?.error === 'string' ? body.error : undefined;
  const description = typeof body?.error_description === 'string' ? `: ${body.error_description}` : '';
  if (response.status >= 500 || response.status === 429) {
    return new NetworkError(`the device authorization endpoint failed with ${response.status}${code ? ` ${code}` : ''}${description}`);
  }
  if (code === 'invalid_client' || code === 'unauthorized_client') {
    return new CredentialsRejectedError(`the device authorization endpoint refused the client: ${code}${description}`, {
      hint: 'the client id must be registered as a device-code client (no secret)',
    });
  }
  return new UsageError(`the device authorization endpoint refused the request: ${code ?? response.status}${description}`, {
    hint: 'check the client id and scope of this profile',
  });
}

/** RFC 8628 §3.4. Not retried: a code answered once is consumed, and a replay revokes the grant. */
export function deviceTokenRequest(http: HttpClient, tokenEndpoint: string, request: { clientId: string; deviceCode: string }): Promise<HttpResponse> {
  return http.postForm(
    tokenEndpoint,
    { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: request.deviceCode, client_id: request.clientId },
    { retry: false },
  );
}

export type DevicePoll =
  | { status: 'pending' }
  | { status: 'slow-down' }
  /** No answer (5xx, 429, or the request failed): worth another try, less often. */
  | { status: 'failed'; error: NetworkError }
  | { status: 'approved'; tokens: TokenSet; idTokenClaims: Record<string, unknown> | undefined };

/**
 * RFC 8628 §3.5: pending and slow_down keep the poll going, and so does a server in trouble;
 * a denial is exit 4, an expired code exit 3 (log in again); anything else is what it would
 * be for any token request. An ID token is checked as a browser login's is, but for the nonce
 * the device flow does not have.
 */
export function processDeviceTokenResponse(response: HttpResponse, requestedAt: number, expected: { issuer: string; clientId: string }): DevicePoll {
  const body = jsonObject(response);
  if (response.status >= 500 || response.status === 429) {
    try {
      processTokenResponse(response, requestedAt);
    } catch (error) {
      if (error instanceof NetworkError) return { status: 'failed', error };
      throw error;
    }
  }
  if (response.status === 400 || response.status === 401) {
    const description = typeof body?.error_description === 'string' ? `: ${body.error_description}` : '';
    switch (body?.error) {
      case 'authorization_pending':
        return { status: 'pending' };
      case 'slow_down':
        return { status: 'slow-down' };
      case 'expired_token':
        throw codeExpired();
      case 'access_denied':
        throw new CredentialsRejectedError(`the sign-in was declined (access_denied${description}); nothing was stored`);
    }
  }
  const tokens = processTokenResponse(response, requestedAt);
  const idToken = body?.id_token;
  if (idToken === undefined) return { status: 'approved', tokens, idTokenClaims: undefined };
  return { status: 'approved', tokens, idTokenClaims: checkedIdTokenClaims(idToken, { ...expected, nonce: undefined }, requestedAt) };
}

export interface DeviceLoginRequest {
  settings: CompleteSettings;
  /** Aborted by Ctrl-C: the wait ends at once, and nothing is stored. */
  signal?: AbortSignal | undefined;
  /** The codes are ready: put them in front of the person. Polling starts when this returns. */
  showCode(authorization: Omit<DeviceAuthorization, 'deviceCode'>): Promise<void> | void;
}

/**
 * Device authorization, then polling until the person has approved (or declined) in a browser,
 * the code expires, or Ctrl-C. Stored like a browser login, for `token` to refresh alike.
 */
export async function loginWithDeviceCode(deps: FlowDeps, request: DeviceLoginRequest): Promise<PersonLogin> {
  const { settings, signal } = request;
  const http = await deps.http();
  // Fetched afresh, as for a browser login: a stale cached document would waste the person's code.
  const metadata = await discover(http, settings.discoveryUrl, deps.trace);
  if (!metadata.device_authorization_endpoint) {
    throw new UsageError(`the discovery document at ${settings.discoveryUrl} names no device_authorization_endpoint: this server offers no device-code login`, {
      hint: 'log in with `ocs-auth login --pkce --no-browser` and open the URL it prints on any machine with a browser',
    });
  }
  const asked = personScope(settings);
  let { scope, fallback } = asked;
  const endpoint = metadata.device_authorization_endpoint;
  // The default's offline_access refused (at device authorization, or when the tokens are
  // issued): a short session beats none. A configured scope is asked for as given, and its
  // refusal is the person's to see.
  const askWithoutOfflineAccess = (smaller: string) => {
    deps.warn(scopeRefusedWarning(metadata.issuer));
    scope = smaller;
    fallback = undefined;
  };
  // New codes, shown to the person; polling starts afresh with them.
  const authorize = async (): Promise<DeviceAuthorization> => {
    for (;;) {
      const requestedAt = deps.now();
      const response = await deviceAuthorizationRequest(http, endpoint, { clientId: settings.clientId, scope, tenantId: settings.tenantId });
      if (fallback === undefined || !refusesScope(response)) {
        const authorization = processDeviceAuthorizationResponse(response, requestedAt);
        const { deviceCode: _notShown, ...shown } = authorization;
        await request.showCode(shown);
        return authorization;
      }
      askWithoutOfflineAccess(fallback);
    }
  };
  let authorization = await authorize();

  let intervalMs = authorization.intervalSeconds * 1000;
  let approved: Extract<DevicePoll, { status: 'approved' }> | undefined;
  let lastFailure: NetworkError | undefined;
  while (!approved) {
    const left = authorization.expiresAt - deps.now();
    if (left <= 0) {
      // A server that never answered is the news, not the code nobody could enter.
      throw lastFailure ?? codeExpired();
    }
    await pause(Math.min(intervalMs, left), signal);
    const polledAt = deps.now();
    const poll = await deviceTokenRequest(http, metadata.token_endpoint, { clientId: settings.clientId, deviceCode: authorization.deviceCode }).then(
      (response): DevicePoll | { status: 'scope-refused' } =>
        fallback !== undefined && refusesScope(response) ? { status: 'scope-refused' } : processDeviceTokenResponse(response, polledAt, { issuer: metadata.issuer, clientId: settings.clientId }),
      (error: unknown): DevicePoll => {
        if (error instanceof NetworkError) return { status: 'failed', error };
        throw error;
      },
    );
    if (poll.status === 'scope-refused') {
      askWithoutOfflineAccess(fallback!);
      authorization = await authorize();
      intervalMs = authorization.intervalSeconds * 1000;
      lastFailure = undefined;
      continue;
    }
    lastFailure = poll.status === 'failed' ? poll.error : undefined;
    // RFC 8628 §3.5: slow_down adds 5 s for good; after a failed poll, poll less often rather
    // than lose the sign-in the person may be finishing right now.
    if (poll.status === 'slow-down') intervalMs += SLOW_DOWN_SECONDS * 1000;
    else if (poll.status === 'failed') {
      deps.trace?.(`the poll failed (${poll.error.message}); polling less often`);
      intervalMs *= 2;
    } else if (poll.status === 'approved') approved = poll;
  }

  const token = toStoredToken(approved.tokens, settings, metadata.issuer);
  // A CONNECT account has no call like the tenant one; whoami asks userinfo instead.
  const tenant = settings.tenantId === undefined ? undefined : await fetchTenant(http, { ...settings, tenantId: settings.tenantId }, token.access_token);
  if (signal?.aborted) throw new InterruptedError('login interrupted before the tokens were stored; nothing was stored');
  await storePersonSession(deps, settings, 'device-code', { issuer: metadata.issuer, token, refreshToken: approved.tokens.refreshToken, scope });
  return {
    token,
    tenant,
    claims: { ...jwtClaims(token.access_token), ...approved.idTokenClaims },
    refreshTokenStored: approved.tokens.refreshToken !== undefined,
  };
}

function codeExpired(): LoginRequiredError {
  return new LoginRequiredError('the code expired before it was entered; nothing was stored', { hint: 'run the login again, and enter the new code in time' });
}

async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (error) {
    if (signal?.aborted) throw new InterruptedError('login interrupted while waiting for the code to be entered; nothing was stored', { cause: error });
    throw error;
  }
}
