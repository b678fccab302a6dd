// Which proxy a request goes through, read from the environment as curl reads it (SPEC
// "Configuration": HTTPS_PROXY, HTTP_PROXY, NO_PROXY, either case, curl's meaning).
// Hand-written rather than proxy-from-env: that package matches NO_PROXY=example.com only
// against example.com itself (curl also matches www.example.com), ".example.com" never
// against example.com, knows no IP ranges, and reads process.env rather than the env it is given.
import { BlockList, isIP } from 'node:net';
import { isLoopbackHost } from '../config/settings.js';
import { UsageError } from '../errors.js';

export interface Proxy {
  url: URL;
  /** The variable it came from, as set (e.g. "https_proxy"), for messages. */
  variable: string;
}

/**
 * The proxy for this URL, or undefined for a direct connection. Never for this machine
 * (unlike curl, like Go): plain http is allowed only there, and a proxy would carry the
 * secret in clear to another host, whose own loopback is not ours.
 */
export function proxyFor(target: URL, env: NodeJS.ProcessEnv): Proxy | undefined {
  const scheme = target.protocol.replace(/:$/, '');
  if ((scheme !== 'http' && scheme !== 'https') || isLoopbackHost(target.hostname)) return undefined;
  const proxy = readVariable(env, `${scheme}_proxy`);
  if (!proxy?.value) return undefined;
  const noProxy = readVariable(env, 'no_proxy');
  const port = Number(target.port) || (scheme === 'https' ? 443 : 80);
  if (noProxy?.value && bypassesProxy(target.hostname, port, noProxy.value)) return undefined;
  return { url: parseProxyUrl(proxy.value, proxy.variable), variable: proxy.variable };
}

/**
 * curl's NO_PROXY (lib/noproxy.c): entries separated by commas or blanks; "*" alone matches
 * every host; a name matches itself and every host under it, a leading or trailing dot
 * ignored (example.com and .example.com both match example.com and www.example.com, never
 * notexample.com); an IP address or CIDR range (10.0.0.0/8, ::1) matches addresses only.
 * Two additions curl lacks, both common elsewhere (Go, proxy-from-env): "host:port" matches
 * that port only, and "*.example.com" is read as ".example.com".
 */
export function bypassesProxy(hostname: string, port: number, noProxy: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  const entries = noProxy.split(/[,\s]+/).filter(Boolean);
  if (entries.length === 1 && entries[0] === '*') return true;
  const hostIp = isIP(host);
  return entries.some((entry) => {
    const { name, entryPort } = splitPort(entry.toLowerCase());
    if (entryPort !== undefined && entryPort !== port) return false;
    if (hostIp !== 0) return ipMatches(host, hostIp, name);
    const domain = name.replace(/^\*?\./, '').replace(/\.$/, '');
    return domain !== '' && (host === domain || host.endsWith(`.${domain}`));
  });
}

function splitPort(entry: string): { name: string; entryPort: number | undefined } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { name: bracketed[1]!, entryPort: bracketed[2] === undefined ? undefined : Number(bracketed[2]) };
  // A bare IPv6 address has colons of its own and no port.
  const withPort = /^([^:]+):(\d+)$/.exec(entry);
  return withPort ? { name: withPort[1]!, entryPort: Number(withPort[2]) } : { name: entry, entryPort: undefined };
}

function ipMatches(host: string, family: number, entry: string): boolean {
  const [address, bits] = entry.split('/');
  const type = family === 6 ? 'ipv6' : 'ipv4';
  if (!address || isIP(address) !== family) return false;
  const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32)) return false;
  const range = new BlockList();
  range.addSubnet(address, prefix, type);
  return range.check(host, type);
}

// curl reads the lower-case name first and takes it even when empty (an empty https_proxy
// turns the proxy off); the upper-case name counts only when the lower-case one is unset.
function readVariable(env: NodeJS.ProcessEnv, lower: string): { variable: string; value: string } | undefined {
  const upper = lower.toUpperCase();
  const lowerValue = env[lower];
  if (lowerValue !== undefined) return { variable: lower, value: lowerValue.trim() };
  const upperValue = env[upper];
  return upperValue === undefined ? undefined : { variable: upper, value: upperValue.trim() };
}

function parseProxyUrl(value: string, variable: string): URL {
  // Like curl, a proxy without a scheme is an http:// one.
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // The value may hold a password: name the variable, never echo it.
    throw new UsageError(`${variable} is not a valid proxy URL`, { hint: 'expected e.g. http://proxy.example.com:3128 or http://user:password@proxy.example.com:3128' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${variable}: ${url.protocol.replace(/:$/, '')} proxies are not supported`, { hint: 'use an http:// or https:// proxy' });
  }
  try {
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
  } catch {
    throw new UsageError(`${variable}: the proxy user name or password is not properly percent-encoded`, { hint: 'write % as %25' });
  }
  return url;
}

/** The proxy as it may be shown: scheme, host and port, its credentials replaced by ***. */
export function describeProxy(proxy: Proxy): string {
  const credentials = proxy.url.username || proxy.url.password ? '***@' : '';
  return `${proxy.url.protocol}//${credentials}${proxy.url.host}`;
}
