import { FLOWS, STORAGE_KINDS, validateProfileName, type ConfigFile, type Flow, type Profile, type StorageKind } from './config.js';
import { UsageError } from './errors.js';

/** What the command line may say; every field is optional and wins over everything else. */
export interface SettingFlags {
  profile?: string | undefined;
  resource?: string | undefined;
  apiVersion?: string | undefined;
  tenantId?: string | undefined;
  clientId?: string | undefined;
  flow?: Flow | undefined;
  redirectUri?: string | undefined;
  scope?: string | undefined;
  storage?: StorageKind | undefined;
}

export interface Settings {
  profile: string;
  /** The profile has a section in config.ini. */
  profileExists: boolean;
  resource: string | undefined;
  apiVersion: string;
  tenantId: string | undefined;
  clientId: string | undefined;
  flow: Flow;
  redirectUri: string;
  scope: string | undefined;
  storage: StorageKind | undefined;
  /** A PEM bundle trusted on top of Node's own CAs; no flag, like NODE_EXTRA_CA_CERTS. */
  caFile: string | undefined;
}

export const DEFAULT_PROFILE = 'default';
export const DEFAULT_API_VERSION = 'v1';
export const DEFAULT_REDIRECT_URI = 'http://localhost:5004/callback.html';
export const DEFAULT_PKCE_SCOPE = 'openid ocsapi';

/** flag > environment variable > profile in the config file > default (SPEC "Configuration"). */
export function resolveSettings(flags: SettingFlags, env: NodeJS.ProcessEnv, config: ConfigFile): Settings {
  const profileName = validateProfileName(flags.profile ?? nonEmpty(env.OCS_AUTH_PROFILE) ?? DEFAULT_PROFILE);
  const profile = config[profileName] ?? {};
  const resource = flags.resource ?? nonEmpty(env.OCS_RESOURCE) ?? profile.resource;
  const flow =
    flags.flow ??
    oneOf(FLOWS, nonEmpty(env.OCS_AUTH_FLOW), 'OCS_AUTH_FLOW') ??
    oneOf(FLOWS, profile.flow, `flow in profile [${profileName}]`) ??
    // A secret in the environment only makes sense for client credentials.
    (nonEmpty(env.OCS_CLIENT_SECRET) ? 'client-credentials' : 'pkce');
  return {
    profile: profileName,
    profileExists: profileName in config,
    resource: resource === undefined ? undefined : normalizeResource(resource),
    apiVersion: flags.apiVersion ?? nonEmpty(env.OCS_API_VERSION) ?? profile.api_version ?? DEFAULT_API_VERSION,
    tenantId: flags.tenantId ?? nonEmpty(env.OCS_TENANT_ID) ?? profile.tenant_id,
    clientId: flags.clientId ?? nonEmpty(env.OCS_CLIENT_ID) ?? profile.client_id,
    flow,
    redirectUri: flags.redirectUri ?? profile.redirect_uri ?? DEFAULT_REDIRECT_URI,
    scope: flags.scope ?? profile.scope,
    storage:
      flags.storage ??
      oneOf(STORAGE_KINDS, nonEmpty(env.OCS_AUTH_STORAGE), 'OCS_AUTH_STORAGE') ??
      oneOf(STORAGE_KINDS, profile.storage, `storage in profile [${profileName}]`),
    caFile: caFileSetting(env, profile),
  };
}

/** OCS_AUTH_CA_FILE > ca_file in the profile; for commands that read a profile without resolving settings. */
export function caFileSetting(env: NodeJS.ProcessEnv, profile: Profile | undefined): string | undefined {
  return nonEmpty(env.OCS_AUTH_CA_FILE) ?? nonEmpty(profile?.ca_file);
}

const REQUIRED = {
  resource: { flag: '--resource URL', env: 'OCS_RESOURCE' },
  tenantId: { flag: '--tenant-id ID', env: 'OCS_TENANT_ID' },
  clientId: { flag: '--client-id ID', env: 'OCS_CLIENT_ID' },
} as const;
type RequiredKey = keyof typeof REQUIRED;

export type CompleteSettings = Settings & { resource: string; tenantId: string; clientId: string };

/** Fail with exit 2, naming every missing flag at once, so one retry is enough. */
export function requireComplete(settings: Settings): CompleteSettings {
  const missing = (Object.keys(REQUIRED) as RequiredKey[]).filter((key) => !settings[key]);
  if (missing.length > 0) {
    throw new UsageError(`missing ${missing.map((key) => REQUIRED[key].flag).join(', ')}`, {
      hint:
        `pass ${missing.length > 1 ? 'them' : 'it'} as flags, set ${missing.map((key) => REQUIRED[key].env).join(', ')}, ` +
        `or run \`ocs-auth configure${settings.profile === DEFAULT_PROFILE ? '' : ` --profile ${settings.profile}`}\``,
    });
  }
  return settings as CompleteSettings;
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

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function oneOf<T extends string>(allowed: readonly T[], value: string | undefined, source: string): T | undefined {
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${source} must be ${allowed.join(' or ')}, not "${value}"`);
}
