import { type ConfigFile, type Flow, FLOWS, type Profile, profileIn, validateProfileName } from './config-file.js';
import { STORAGE_KINDS, type StorageKind } from '../store/secret-store.js';
import { UsageError } from '../errors.js';
import { shortHash } from '../store/short-hash.js';

/** What the command line may say; every field is optional and wins over everything else. */
export interface SettingFlags {
  profile?: string | undefined;
  resource?: string | undefined;
  apiVersion?: string | undefined;
  tenantId?: string | undefined;
  accountId?: string | undefined;
  discoveryUrl?: string | undefined;
  clientId?: string | undefined;
  flow?: Flow | undefined;
  redirectUri?: string | undefined;
  scope?: string | undefined;
  storage?: StorageKind | undefined;
  namespace?: string | undefined;
}

export interface Settings {
  profile: string;
  /** The profile has a section in config.ini. */
  profileExists: boolean;
  resource: string | undefined;
  apiVersion: string;
  /** OCS / AVEVA Data Hub: a tenant. At most one of tenantId and accountId is set. */
  tenantId: string | undefined;
  /** CONNECT data services: an account instead of a tenant. */
  accountId: string | undefined;
  /** Set only when configured; otherwise derived from resource and tenant/account (discoveryUrlFor). */
  discoveryUrl: string | undefined;
  clientId: string | undefined;
  flow: Flow;
  redirectUri: string;
  scope: string | undefined;
  storage: StorageKind | undefined;
  /** A PEM bundle trusted on top of Node's own CAs; no flag, like NODE_EXTRA_CA_CERTS. */
  caFile: string | undefined;
  /** OCS_* variables that pointed elsewhere than the profile named explicitly, which won: for the one line that says so. */
  ignoredVariables: string[];
  /** What `api` fills {namespace} with and `exec` exports: a call's scope, not the login's. */
  namespace: string | undefined;
}

export interface ResolveOptions {
  /**
   * Whether the four CI variables, with no profile named, make a session of their own.
   * Not for `login`, which keeps what it proved in a profile.
   */
  environmentSession?: boolean;
}

export const DEFAULT_PROFILE = 'default';
export const DEFAULT_API_VERSION = 'v1';
export const DEFAULT_REDIRECT_URI = 'http://localhost:5004/callback.html';
/** A browser or device-code login asks for this plus offline_access; for this alone where the server refuses that. */
export const PERSON_SCOPE_WITHOUT_REFRESH = 'openid ocsapi';
/** CONNECT's API scope: what the samples send for client credentials. */
export const ACCOUNT_API_SCOPE = 'api';
/** Not documented by AVEVA for CONNECT: the OCS scope with CONNECT's API scope. */
export const ACCOUNT_PERSON_SCOPE_WITHOUT_REFRESH = `openid ${ACCOUNT_API_SCOPE}`;

/**
 * flag > environment variable > profile in the config file > default (SPEC "Configuration"),
 * with the two rules users of aws and kubectl expect: a profile named explicitly keeps where
 * it points over the variables, and the four CI variables with no profile named are a
 * session of their own.
 */
export function resolveSettings(flags: SettingFlags, env: NodeJS.ProcessEnv, config: ConfigFile, { environmentSession = true }: ResolveOptions = {}): Settings {
  const named = flags.profile ?? nonEmpty(env.OCS_AUTH_PROFILE);
  if (named === undefined && environmentSession && isEnvironmentSession(flags, env)) return environmentSessionSettings(flags, env);
  const profileName = validateProfileName(named ?? DEFAULT_PROFILE);
  const own = profileIn(config, profileName);
  const profile = own ?? {};
  const { variables, ignored } = named === undefined ? { variables: env, ignored: [] } : profileOverVariables(flags, env, profile);
  return { ...resolveFrom(flags, variables, profile, profileName), profileExists: own !== undefined, ignoredVariables: ignored };
}

/** The session the environment alone makes, when no profile is named: what `logout` and `status` act on there. */
export function environmentSessionOf(env: NodeJS.ProcessEnv): Settings | undefined {
  return nonEmpty(env.OCS_AUTH_PROFILE) === undefined && isEnvironmentSession({}, env) ? environmentSessionSettings({}, env) : undefined;
}

function environmentSessionSettings(flags: SettingFlags, env: NodeJS.ProcessEnv): Settings {
  const settings = resolveFrom(flags, env, {}, DEFAULT_PROFILE);
  // isEnvironmentSession saw OCS_RESOURCE and OCS_CLIENT_ID set, and a flag only replaces them.
  return { ...settings, profile: environmentSessionName(settings as Settings & { resource: string; clientId: string }) };
}

/**
 * A complete set of CI variables and client credentials (the default for a secret in the
 * environment): whatever [default] holds, e.g. the `flow = pkce` of a browser login, is
 * another session, and must not turn the CI client into a browser login.
 */
function isEnvironmentSession(flags: SettingFlags, env: NodeJS.ProcessEnv): boolean {
  const flow = flags.flow ?? oneOf(FLOWS, nonEmpty(env.OCS_AUTH_FLOW), 'OCS_AUTH_FLOW') ?? 'client-credentials';
  return (
    flow === 'client-credentials' &&
    [env.OCS_RESOURCE, nonEmpty(env.OCS_TENANT_ID) ?? env.OCS_ACCOUNT_ID, env.OCS_CLIENT_ID, env.OCS_CLIENT_SECRET].every((value) => nonEmpty(value) !== undefined)
  );
}

/**
 * The one name of a session that lives in the environment: in `token --json`, `whoami`,
 * `status` and `logout`, and where its token is cached. Per resource + tenant/account +
 * client, so two CI jobs for different tenants never share a cached token.
 */
export function environmentSessionName(settings: { resource: string; tenantId?: string | undefined; accountId?: string | undefined; clientId: string }): string {
  const scope = settings.accountId === undefined ? settings.tenantId : `account:${settings.accountId}`;
  return `env-${shortHash(`${settings.resource}\n${scope}\n${settings.clientId}`)}`;
}

/**
 * The environment as a named profile sees it: the variables that would point it at another
 * server, tenant/account, client, discovery URL or flow than its own are left out, and those
 * that differ from it are named. A variable for a setting the profile lacks still fills it
 * in; one a flag overrides anyway is not named.
 */
function profileOverVariables(flags: SettingFlags, env: NodeJS.ProcessEnv, profile: Profile): { variables: NodeJS.ProcessEnv; ignored: string[] } {
  const variables = { ...env };
  const ignored: string[] = [];
  const own = (name: string, profileHasIt: boolean, flagGiven: boolean, agrees: (value: string) => boolean) => {
    const value = nonEmpty(env[name]);
    if (value === undefined || !profileHasIt) return;
    delete variables[name];
    if (!flagGiven && !agrees(value)) ignored.push(name);
  };
  const same = (normalize: (value: string) => string, a: string | undefined) => (b: string) => {
    try {
      return a !== undefined && normalize(a) === normalize(b);
    } catch {
      return false;
    }
  };
  const placed = Boolean(profile.tenant_id || profile.account_id);
  const tenantFlag = Boolean(flags.tenantId || flags.accountId);
  own('OCS_RESOURCE', Boolean(profile.resource), flags.resource !== undefined, same(normalizeResource, profile.resource));
  own('OCS_TENANT_ID', placed, tenantFlag, (value) => value === profile.tenant_id);
  own('OCS_ACCOUNT_ID', placed, tenantFlag, (value) => value === profile.account_id);
  const profileDiscovery = profile.discovery_url ?? (profile.resource && derivedDiscoveryUrlOrNone(profile.resource, profile.account_id));
  own('OCS_DISCOVERY_URL', Boolean(profile.discovery_url || profile.resource), flags.discoveryUrl !== undefined, same(normalizeDiscoveryUrl, profileDiscovery || undefined));
  own('OCS_CLIENT_ID', Boolean(profile.client_id), flags.clientId !== undefined, (value) => value === profile.client_id);
  own('OCS_AUTH_FLOW', Boolean(profile.flow), flags.flow !== undefined, (value) => value === profile.flow);
  return { variables, ignored };
}

function derivedDiscoveryUrlOrNone(resource: string, accountId: string | undefined): string | undefined {
  try {
    return derivedDiscoveryUrl(normalizeResource(resource), accountId);
  } catch {
    return undefined;
  }
}

function resolveFrom(flags: SettingFlags, env: NodeJS.ProcessEnv, profile: Profile, profileName: string): Settings {
  const resource = flags.resource ?? nonEmpty(env.OCS_RESOURCE) ?? profile.resource;
  const discoveryUrl = flags.discoveryUrl ?? nonEmpty(env.OCS_DISCOVERY_URL) ?? profile.discovery_url;
  const flow =
    flags.flow ??
    oneOf(FLOWS, nonEmpty(env.OCS_AUTH_FLOW), 'OCS_AUTH_FLOW') ??
    oneOf(FLOWS, profile.flow, `flow in profile [${profileName}]`) ??
    // A secret in the environment only makes sense for client credentials.
    (nonEmpty(env.OCS_CLIENT_SECRET) ? 'client-credentials' : 'pkce');
  return {
    profile: profileName,
    profileExists: false,
    resource: resource === undefined ? undefined : normalizeResource(resource),
    apiVersion: apiVersionSetting(flags.apiVersion ?? nonEmpty(env.OCS_API_VERSION) ?? profile.api_version ?? DEFAULT_API_VERSION),
    ...tenantOrAccount(flags, env, profile, profileName),
    discoveryUrl: discoveryUrl === undefined ? undefined : normalizeDiscoveryUrl(discoveryUrl),
    clientId: flags.clientId ?? nonEmpty(env.OCS_CLIENT_ID) ?? profile.client_id,
    flow,
    redirectUri: flags.redirectUri ?? profile.redirect_uri ?? DEFAULT_REDIRECT_URI,
    scope: flags.scope ?? profile.scope,
    storage:
      flags.storage ??
      oneOf(STORAGE_KINDS, nonEmpty(env.OCS_AUTH_STORAGE), 'OCS_AUTH_STORAGE') ??
      oneOf(STORAGE_KINDS, profile.storage, `storage in profile [${profileName}]`),
    caFile: caFileSetting(env, profile),
    ignoredVariables: [],
    namespace: flags.namespace ?? nonEmpty(env.OCS_NAMESPACE) ?? profile.namespace,
  };
}

/** OCS_AUTH_CA_FILE > ca_file in the profile; for commands that read a profile without resolving settings. */
export function caFileSetting(env: NodeJS.ProcessEnv, profile: Profile | undefined): string | undefined {
  return nonEmpty(env.OCS_AUTH_CA_FILE) ?? nonEmpty(profile?.ca_file);
}

/**
 * A tenant (OCS/ADH) and an account (CONNECT) are one setting in two forms: the source with
 * the highest precedence that names either decides, so `--account-id` wins over an
 * OCS_TENANT_ID left in the environment. One source naming both is a mistake.
 */
function tenantOrAccount(flags: SettingFlags, env: NodeJS.ProcessEnv, profile: Profile, profileName: string) {
  const sources = [
    { where: 'the command line', tenantId: flags.tenantId, accountId: flags.accountId, names: '--tenant-id and --account-id' },
    { where: 'the environment', tenantId: nonEmpty(env.OCS_TENANT_ID), accountId: nonEmpty(env.OCS_ACCOUNT_ID), names: 'OCS_TENANT_ID and OCS_ACCOUNT_ID' },
    { where: `profile [${profileName}]`, tenantId: profile.tenant_id, accountId: profile.account_id, names: 'tenant_id and account_id' },
  ];
  const source = sources.find((candidate) => candidate.tenantId || candidate.accountId);
  if (source?.tenantId && source.accountId) {
    throw new UsageError(`${source.where} names both a tenant and an account (${source.names})`, {
      hint: 'a tenant is for OCS / AVEVA Data Hub, an account for CONNECT data services: give one of them',
    });
  }
  return { tenantId: source?.tenantId || undefined, accountId: source?.accountId || undefined };
}

const REQUIRED = {
  resource: { flag: '--resource URL', env: 'OCS_RESOURCE' },
  tenantOrAccount: { flag: '--tenant-id ID or --account-id ID', env: 'OCS_TENANT_ID or OCS_ACCOUNT_ID' },
  clientId: { flag: '--client-id ID', env: 'OCS_CLIENT_ID' },
} as const;
type RequiredKey = keyof typeof REQUIRED;

/** Complete: a resource, a client, exactly one of tenant and account, and the discovery URL to use. */
export type CompleteSettings = Settings & { resource: string; clientId: string; discoveryUrl: string } & (
    | { tenantId: string; accountId: undefined }
    | { tenantId: undefined; accountId: string }
  );

/** Fail with exit 2, naming every missing flag at once, so one retry is enough. */
export function requireComplete(settings: Settings): CompleteSettings {
  const present: Record<RequiredKey, boolean> = {
    resource: Boolean(settings.resource),
    tenantOrAccount: Boolean(settings.tenantId || settings.accountId),
    clientId: Boolean(settings.clientId),
  };
  const missing = (Object.keys(REQUIRED) as RequiredKey[]).filter((key) => !present[key]);
  if (missing.length > 0) {
    throw new UsageError(`missing ${missing.map((key) => REQUIRED[key].flag).join(', ')}`, {
      hint:
        `pass ${missing.length > 1 ? 'them' : 'it'} as flags, set ${missing.map((key) => REQUIRED[key].env).join(', ')}, ` +
        `or run \`ocs-auth configure${settings.profile === DEFAULT_PROFILE ? '' : ` --profile ${settings.profile}`}\``,
    });
  }
  return { ...settings, discoveryUrl: discoveryUrlFor(settings as Settings & { resource: string }) } as CompleteSettings;
}

/** Where the OpenID configuration lives: the configured URL, else the platform's usual place. */
export function discoveryUrlFor(settings: { resource: string; accountId?: string | undefined; discoveryUrl?: string | undefined }): string {
  const url = settings.discoveryUrl ?? derivedDiscoveryUrl(settings.resource, settings.accountId);
  if (url === undefined) {
    throw new UsageError(`no discovery URL can be derived for an account on ${settings.resource}`, {
      hint: 'give the OpenID configuration URL with --discovery-url (OCS_DISCOVERY_URL)',
    });
  }
  // CONNECT has no discovery document for an unknown account, so a wrong account id fails at
  // a derived URL. A configured URL names its own account: one for another account would get
  // that account's tokens, and whoami would show the wrong id as fact.
  const named = settings.accountId === undefined ? undefined : /\/account\/([^/]+)\/authentication\//i.exec(url)?.[1];
  if (named !== undefined && decodeURIComponent(named).toLowerCase() !== settings.accountId!.toLowerCase()) {
    throw new UsageError(`the discovery URL is for account ${decodeURIComponent(named)}, not ${settings.accountId}`, {
      hint: 'fix the account id (--account-id, OCS_ACCOUNT_ID) or the discovery URL (--discovery-url, OCS_DISCOVERY_URL)',
    });
  }
  return url;
}

/**
 * OCS: {resource}/identity. CONNECT keeps identity on its own host:
 * https://identity.{resource host}/account/{id}/authentication. None for an account on a
 * plain-http resource: identity.127.0.0.1 is no loopback host, so http would leave the machine.
 */
export function derivedDiscoveryUrl(resource: string, accountId: string | undefined): string | undefined {
  if (accountId === undefined) return `${resource}/identity${WELL_KNOWN}`;
  const url = new URL(resource);
  if (url.protocol !== 'https:') return undefined;
  return `https://identity.${url.host}/account/${encodeURIComponent(accountId)}/authentication${WELL_KNOWN}`;
}

export const WELL_KNOWN = '/.well-known/openid-configuration';

/** Where a profile's API paths start, without a trailing slash (as OCS_RESOURCE has none). */
export function apiBase(settings: CompleteSettings): string {
  return settings.accountId === undefined
    ? `${settings.resource}/api/${encodeURIComponent(settings.apiVersion)}`
    : `${settings.resource}/api/account/${encodeURIComponent(settings.accountId)}`;
}

/** An OpenID configuration URL (OIDC Discovery §4): https, or http on this machine. */
export function normalizeDiscoveryUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`invalid discovery URL "${value}"`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new UsageError(`discovery URL must be an https:// URL, not "${value}"`, {
      hint: 'plain http:// is accepted only for localhost and 127.0.0.1',
    });
  }
  // Some servers (Django OAuth Toolkit) serve it at the same path with a trailing slash.
  if (!(url.pathname.endsWith(WELL_KNOWN) || url.pathname.endsWith(`${WELL_KNOWN}/`)) || url.search || url.hash || url.username || url.password) {
    throw new UsageError(`discovery URL must end with ${WELL_KNOWN}, not "${value}"`, {
      hint: `e.g. https://identity.platform.connect.aveva.com/account/ACCOUNT/authentication${WELL_KNOWN}`,
    });
  }
  return url.href;
}

/**
 * A base URL such as https://uswe.datahub.connect.aveva.com, without a trailing slash.
 * Plain http is allowed only for this machine: a token must not cross a network unencrypted.
 */
export function normalizeResource(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`invalid resource URL "${value}"`, { hint: 'expected e.g. https://uswe.datahub.connect.aveva.com' });
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    throw new UsageError(`resource must be an https:// URL, not "${value}"`, {
      hint: 'plain http:// is accepted only for localhost and 127.0.0.1',
    });
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new UsageError(`resource must be a plain base URL, not "${value}"`);
  }
  return url.href.replace(/\/+$/, '');
}

export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** A path segment such as v1 or v1-preview: an empty one (`--api-version ""`) or a slash is a mistake. */
function apiVersionSetting(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(value)) {
    throw new UsageError(`invalid API version "${value}"`, { hint: `OCS API versions look like ${DEFAULT_API_VERSION} or v1-preview; the default is ${DEFAULT_API_VERSION}` });
  }
  return value;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function oneOf<T extends string>(allowed: readonly T[], value: string | undefined, source: string): T | undefined {
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${source} must be ${allowed.join(' or ')}, not "${value}"`);
}
