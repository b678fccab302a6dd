import { EndpointUnreachableError, NetworkError, UsageError } from '../errors.js';
import { WELL_KNOWN } from '../config/settings.js';
import { shortHash } from '../store/short-hash.js';
import type { FlowDeps } from './flow-deps.js';
import { jsonObject, type HttpClient, type HttpResponse } from './http.js';

export interface ProviderMetadata {
  issuer: string;
  token_endpoint: string;
  authorization_endpoint?: string;
  revocation_endpoint?: string;
  end_session_endpoint?: string;
  userinfo_endpoint?: string;
  /** RFC 9207: the authorization response names the issuer, and must. */
  authorization_response_iss_parameter_supported?: boolean;
  /** RFC 8628 §4. */
  device_authorization_endpoint?: string;
}

const OPTIONAL_ENDPOINTS = ['authorization_endpoint', 'revocation_endpoint', 'end_session_endpoint', 'userinfo_endpoint', 'device_authorization_endpoint'] as const;

export function discoveryRequest(http: HttpClient, discoveryUrl: string): Promise<HttpResponse> {
  return http.get(discoveryUrl);
}

/** Says what was accepted although not exact (shown under --verbose). */
export type Note = (message: string) => void;

export function processDiscoveryResponse(response: HttpResponse, discoveryUrl: string, note: Note = () => {}): ProviderMetadata {
  if (response.status === 404) {
    throw new UsageError(`no OpenID configuration at ${discoveryUrl} (404)`, {
      hint: 'check the resource URL (--resource), the tenant or account id, or --discovery-url',
    });
  }
  if (response.status !== 200) {
    throw new NetworkError(`discovery failed: ${discoveryUrl} answered ${response.status}`);
  }
  const document = jsonObject(response);
  if (!document) throw new NetworkError(`discovery failed: ${discoveryUrl} did not answer JSON`);
  return trustedMetadata(document, discoveryUrl, note);
}

/**
 * The trust rule (SPEC "Security"), for fresh and cached documents alike: the issuer lives on
 * the origin the document was fetched from, and so does every endpoint, so no secret is ever
 * sent to an origin the configuration did not name. The issuer should also equal the
 * discovery URL's base (OIDC Discovery §4.3); a difference in path (case, a trailing slash)
 * is accepted and noted, since AVEVA's own samples do not check the issuer at all.
 *
 * Hand-written rather than oauth4webapi's processDiscoveryResponse: that one demands exact
 * issuer equality (no leniency to note) and says nothing about where endpoints point.
 */
export function trustedMetadata(document: Record<string, unknown>, discoveryUrl: string, note: Note = () => {}): ProviderMetadata {
  const where = discoveryUrl;
  const origin = new URL(discoveryUrl).origin;
  const url = (name: string, value: unknown): URL => {
    if (typeof value !== 'string') throw new NetworkError(`discovery document at ${where} has no ${name}`);
    try {
      return new URL(value);
    } catch {
      throw new NetworkError(`discovery document at ${where} has an invalid ${name}`);
    }
  };

  const issuer = url('issuer', document.issuer);
  if (issuer.origin !== origin) {
    throw new UsageError(`the OpenID configuration at ${where} names issuer ${issuer.origin}, another origin than ${origin}`, {
      hint: `if ${issuer.origin} is the right server, use it in --resource (or --discovery-url); otherwise the document is not to be trusted`,
    });
  }
  const base = discoveryUrl.slice(0, -WELL_KNOWN.length);
  if (document.issuer !== base) {
    note(`the issuer ${String(document.issuer)} differs in its path from ${base}, where its configuration was found; accepted, as it is on the same origin`);
  }

  const endpoint = (name: string): string => {
    const value = url(name, document[name]);
    if (value.origin !== origin) {
      throw new NetworkError(`discovery document at ${where} points ${name} to ${value.origin}, not the issuer's ${origin}; refusing it`);
    }
    return document[name] as string;
  };
  const metadata: ProviderMetadata = { issuer: document.issuer as string, token_endpoint: endpoint('token_endpoint') };
  for (const name of OPTIONAL_ENDPOINTS) {
    if (document[name] !== undefined) metadata[name] = endpoint(name);
  }
  if (document.authorization_response_iss_parameter_supported === true) metadata.authorization_response_iss_parameter_supported = true;
  return metadata;
}

// A server may move its document within its own origin (Django adds a trailing slash): that is
// followed, a few times at most (SPEC "Token life"). Anywhere else, or more often, is a failure.
const MAX_DISCOVERY_REDIRECTS = 3;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * Fetches and checks the document. The trust rule is applied against `discoveryUrl`, the
 * configured address, whichever same-origin path the document was finally found at.
 */
export async function discover(http: HttpClient, discoveryUrl: string, note: Note = () => {}): Promise<ProviderMetadata> {
  const origin = new URL(discoveryUrl).origin;
  let url = discoveryUrl;
  for (let redirects = 0; ; redirects++) {
    const response = await discoveryRequest(http, url);
    const location = redirectTarget(response, url);
    if (location === undefined) return processDiscoveryResponse(response, discoveryUrl, note);
    if (location.origin !== origin) {
      throw new UsageError(`discovery at ${discoveryUrl} redirects to ${location.origin}, another origin; not followed`, {
        hint: `if ${location.origin} is the right server, use it in --resource (or --discovery-url)`,
      });
    }
    if (redirects === MAX_DISCOVERY_REDIRECTS) {
      throw new NetworkError(`discovery failed: ${discoveryUrl} redirected more than ${MAX_DISCOVERY_REDIRECTS} times`);
    }
    note(`discovery: ${url} redirects (${response.status}) to ${location.href}; followed, as it is on the same origin`);
    url = location.href;
  }
}

/** Where a redirect points, resolved against the URL that answered; undefined for any other answer. */
function redirectTarget(response: HttpResponse, url: string): URL | undefined {
  const location = response.headers.location;
  if (!REDIRECT_STATUSES.has(response.status) || typeof location !== 'string') return undefined;
  try {
    return new URL(location, url);
  } catch {
    return undefined;
  }
}

/** The SPEC's discovery cache life: the document is not secret and rarely changes. */
export const DISCOVERY_CACHE_MS = 24 * 60 * 60 * 1000;

interface CachedDiscovery {
  discovery_url: string;
  fetched_at: number;
  metadata: Record<string, unknown>;
}

function cacheKey(discoveryUrl: string): string {
  return `discovery-${shortHash(discoveryUrl)}`;
}

/**
 * A cached copy passes the same trust rule as a fresh one: the cache folder is only as safe
 * as the user's files, and a tampered copy must not send a secret anywhere. Anything that
 * fails it is a cache miss.
 */
export async function readCachedMetadata(deps: Pick<DiscoveryDeps, 'cache' | 'now' | 'trace'>, discoveryUrl: string): Promise<ProviderMetadata | undefined> {
  const text = await deps.cache.read(cacheKey(discoveryUrl));
  if (text === undefined) return undefined;
  try {
    const entry = JSON.parse(text) as CachedDiscovery;
    const age = deps.now() - entry.fetched_at;
    if (entry.discovery_url !== discoveryUrl || !(age >= 0 && age < DISCOVERY_CACHE_MS)) return undefined;
    if (typeof entry.metadata !== 'object' || entry.metadata === null) return undefined;
    return trustedMetadata(entry.metadata, discoveryUrl);
  } catch (error) {
    if (error instanceof Error && !(error instanceof SyntaxError)) deps.trace?.(`cached discovery document ignored: ${error.message}`);
    return undefined;
  }
}

async function fetchAndCacheMetadata(deps: DiscoveryDeps, discoveryUrl: string): Promise<ProviderMetadata> {
  const metadata = await discover(await deps.http(), discoveryUrl, deps.trace);
  const entry: CachedDiscovery = { discovery_url: discoveryUrl, fetched_at: deps.now(), metadata: { ...metadata } };
  // A read-only config folder only costs a discovery request next time.
  await deps.cache.write(cacheKey(discoveryUrl), `${JSON.stringify(entry)}\n`).catch(() => undefined);
  return metadata;
}

export type DiscoveryDeps = Pick<FlowDeps, 'http' | 'cache' | 'now' | 'trace'>;

/**
 * Runs `use` with the provider's metadata, from the cache when it has a fresh copy. When a
 * cached document leads nowhere (an endpoint moved), it is fetched again and `use` retried once.
 */
export async function withProviderMetadata<T>(deps: DiscoveryDeps, discoveryUrl: string, use: (metadata: ProviderMetadata) => Promise<T>): Promise<T> {
  const cached = await readCachedMetadata(deps, discoveryUrl);
  if (!cached) return use(await fetchAndCacheMetadata(deps, discoveryUrl));
  try {
    return await use(cached);
  } catch (error) {
    if (!(error instanceof EndpointUnreachableError)) throw error;
    return use(await fetchAndCacheMetadata(deps, discoveryUrl));
  }
}
