import { EndpointUnreachableError, NetworkError, UsageError } from '../errors.js';
import { shortHash } from '../short-hash.js';
import type { FlowDeps } from './flow-deps.js';
import { jsonObject, type HttpClient, type HttpResponse } from './http.js';

export interface ProviderMetadata {
  issuer: string;
  token_endpoint: string;
  authorization_endpoint?: string;
  revocation_endpoint?: string;
  end_session_endpoint?: string;
  /** RFC 9207: the authorization response names the issuer, and must. */
  authorization_response_iss_parameter_supported?: boolean;
}

export function discoveryUrl(resource: string): string {
  return `${resource}/identity/.well-known/openid-configuration`;
}

export function discoveryRequest(http: HttpClient, resource: string): Promise<HttpResponse> {
  return http.get(discoveryUrl(resource));
}

/**
 * Accepts only a document whose endpoints live on the configured resource: a document
 * pointing elsewhere would send the client secret to whoever wrote it.
 */
export function processDiscoveryResponse(response: HttpResponse, resource: string): ProviderMetadata {
  const where = discoveryUrl(resource);
  if (response.status === 404) {
    throw new UsageError(`no OpenID configuration at ${where} (404)`, { hint: 'check the resource URL (--resource)' });
  }
  if (response.status !== 200) {
    throw new NetworkError(`discovery failed: ${where} answered ${response.status}`);
  }
  const document = jsonObject(response);
  if (!document) throw new NetworkError(`discovery failed: ${where} did not answer JSON`);

  const origin = new URL(resource).origin;
  const endpoint = (name: string, required: boolean): string | undefined => {
    const value = document[name];
    if (value === undefined && !required) return undefined;
    if (typeof value !== 'string') throw new NetworkError(`discovery document at ${where} has no ${name}`);
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new NetworkError(`discovery document at ${where} has an invalid ${name}`);
    }
    if (url.origin !== origin) {
      throw new NetworkError(`discovery document at ${where} points ${name} to ${url.origin}, not ${origin}; refusing it`);
    }
    return value;
  };

  return withoutUndefined({
    issuer: endpoint('issuer', true)!,
    token_endpoint: endpoint('token_endpoint', true)!,
    authorization_endpoint: endpoint('authorization_endpoint', false),
    revocation_endpoint: endpoint('revocation_endpoint', false),
    end_session_endpoint: endpoint('end_session_endpoint', false),
    authorization_response_iss_parameter_supported: document.authorization_response_iss_parameter_supported === true ? true : undefined,
  });
}

export async function discover(http: HttpClient, resource: string): Promise<ProviderMetadata> {
  return processDiscoveryResponse(await discoveryRequest(http, resource), resource);
}

function withoutUndefined<T extends object>(value: { [K in keyof T]: T[K] | undefined }): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

/** The SPEC's discovery cache life: the document is not secret and rarely changes. */
export const DISCOVERY_CACHE_MS = 24 * 60 * 60 * 1000;

interface CachedDiscovery {
  resource: string;
  fetched_at: number;
  metadata: ProviderMetadata;
}

function cacheKey(resource: string): string {
  return `discovery-${shortHash(resource)}`;
}

async function readCachedMetadata(deps: DiscoveryDeps, resource: string): Promise<ProviderMetadata | undefined> {
  const text = await deps.cache.read(cacheKey(resource));
  if (text === undefined) return undefined;
  try {
    const entry = JSON.parse(text) as CachedDiscovery;
    const fresh = entry.resource === resource && deps.now() - entry.fetched_at < DISCOVERY_CACHE_MS && entry.fetched_at <= deps.now();
    if (fresh && typeof entry.metadata?.token_endpoint === 'string') return entry.metadata;
  } catch {
    // a damaged cache entry is a cache miss
  }
  return undefined;
}

async function fetchAndCacheMetadata(deps: DiscoveryDeps, resource: string): Promise<ProviderMetadata> {
  const metadata = await discover(await deps.http(), resource);
  const entry: CachedDiscovery = { resource, fetched_at: deps.now(), metadata };
  // A read-only config folder only costs a discovery request next time.
  await deps.cache.write(cacheKey(resource), `${JSON.stringify(entry)}\n`).catch(() => undefined);
  return metadata;
}

export type DiscoveryDeps = Pick<FlowDeps, 'http' | 'cache' | 'now'>;

/**
 * Runs `use` with the provider's metadata, from the cache when it has a fresh copy. When a
 * cached document leads nowhere (an endpoint moved), it is fetched again and `use` retried once.
 */
export async function withProviderMetadata<T>(deps: DiscoveryDeps, resource: string, use: (metadata: ProviderMetadata) => Promise<T>): Promise<T> {
  const cached = await readCachedMetadata(deps, resource);
  if (!cached) return use(await fetchAndCacheMetadata(deps, resource));
  try {
    return await use(cached);
  } catch (error) {
    if (!(error instanceof EndpointUnreachableError)) throw error;
    return use(await fetchAndCacheMetadata(deps, resource));
  }
}
