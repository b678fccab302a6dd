import { readFile } from 'node:fs/promises';
import ini from 'ini';
import { UsageError } from '../errors.js';

/**
 * What the OCS samples' appsettings.json or config.ini hold, and the CONNECT samples'
 * appsettings.json in either key style (Resource/AccountId/… or base_url/account_id/
 * well_known_url/…). config.ini comes in two layouts: one [Configuration] section, or the
 * older OMF/SDS samples' [Configurations] (Namespace), [Access] (Resource, Tenant,
 * ApiVersion) and [Credentials] (ClientId, ClientSecret); their appsettings.json may call
 * the secret ClientKey. A namespace (NamespaceId, Namespace, CONNECT's DataStoreId) is the
 * profile's namespace: where `api`'s {namespace} points.
 */
export interface SampleSettings {
  resource?: string;
  apiVersion?: string;
  tenantId?: string;
  accountId?: string;
  discoveryUrl?: string;
  clientId?: string;
  clientSecret?: string;
  redirectUri?: string;
  scope?: string;
  namespace?: string;
}

// Keys as lower case without underscores, so ClientId and client_id are one key.
const KEYS: Record<string, keyof SampleSettings> = {
  resource: 'resource',
  baseurl: 'resource',
  accountid: 'accountId',
  wellknownurl: 'discoveryUrl',
  apiversion: 'apiVersion',
  tenantid: 'tenantId',
  tenant: 'tenantId',
  clientid: 'clientId',
  clientsecret: 'clientSecret',
  clientkey: 'clientSecret',
  redirecturi: 'redirectUri',
  scope: 'scope',
  namespace: 'namespace',
  namespaceid: 'namespace',
  // CONNECT's sds paths name a data store where OCS's name a namespace: …/sds/{dataStoreId}/v2/Streams.
  datastoreid: 'namespace',
};

const READ_FAILURES: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a folder, not a file',
  ENOTDIR: 'a part of the path is a file, not a folder',
};

export async function readSampleSettings(path: string): Promise<SampleSettings> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${READ_FAILURES[(error as NodeJS.ErrnoException).code ?? ''] ?? (error as Error).message}`, { cause: error });
  }
  return parseSampleSettings(text, path);
}

export function parseSampleSettings(text: string, path: string): SampleSettings {
  const source = text.trimStart().startsWith('{') ? fromJson(text, path) : fromIni(text, path);
  const settings: SampleSettings = {};
  for (const [key, value] of Object.entries(source)) {
    const normalized = key.toLowerCase().replaceAll('_', '');
    const name = KEYS[normalized];
    if (!name || typeof value !== 'string' || value.trim() === '') continue;
    // The samples ship with values like PLACEHOLDER_REPLACE_WITH_TENANT_ID, your-client-id or <account-id>.
    if (/PLACEHOLDER|REPLACE_WITH|^your-|<[^>]*>/i.test(value)) {
      throw new UsageError(`${path}: ${key} still holds the sample's placeholder`, { hint: 'fill in the real value first' });
    }
    settings[name] = value.trim();
  }
  if (Object.keys(settings).every((key) => key === 'namespace')) {
    throw new UsageError(`${path} has none of Resource, ApiVersion, TenantId, AccountId, ClientId, ClientSecret (or base_url, account_id, client_id, …)`);
  }
  return settings;
}

function fromJson(text: string, path: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new UsageError(`${path} is not a JSON object like the samples' appsettings.json`);
}

const INI_SECTIONS = ['configuration', 'configurations', 'access', 'credentials'];

function fromIni(text: string, path: string): Record<string, unknown> {
  const parsed = ini.parse(text) as Record<string, unknown>;
  const sections = Object.entries(parsed).filter(
    ([name, section]) => INI_SECTIONS.includes(name.toLowerCase()) && typeof section === 'object' && section !== null,
  );
  if (sections.length === 0) {
    throw new UsageError(`${path} has no [Configuration] section (nor [Access] and [Credentials]) like the samples' config.ini`);
  }
  return Object.assign({}, ...sections.map(([, section]) => section)) as Record<string, unknown>;
}
