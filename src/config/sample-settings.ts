import { readFile } from 'node:fs/promises';
import ini from 'ini';
import { parse as parseJsonc, type ParseError, printParseErrorCode } from 'jsonc-parser';
import { UsageError } from '../errors.js';
import { DEFAULT_REDIRECT_URI } from './settings.js';
import { unreadableFile } from '../store/fs-errors.js';

/**
 * What the OCS samples' appsettings.json or config.ini hold, and the CONNECT samples'
 * appsettings.json in either key style (Resource/AccountId/… or base_url/account_id/
 * well_known_url/…). config.ini comes in two layouts: one [Configuration] section, or the
 * older OMF/SDS samples' [Configurations] (Namespace), [Access] (Resource, Tenant,
 * ApiVersion) and [Credentials] (ClientId, ClientSecret); their appsettings.json may call
 * the secret ClientKey. A namespace (NamespaceId, Namespace, CONNECT's DataStoreId) is the
 * profile's namespace: where `api`'s {namespace} points. What a profile must not hold (the
 * hybrid sample's password) is listed in notImported, so the person is told.
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
  /** Keys of the file that name something a profile must not hold, with why, to say so. */
  notImported?: NotImported[];
}

export interface NotImported {
  key: string;
  /** Why, as the end of a sentence: "a password is never stored". */
  reason: string;
}

// Keys as lower case without underscores, so ClientId and client_id are one key.
const KEYS: Record<string, Exclude<keyof SampleSettings, 'notImported'>> = {
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

// Keys (normalized as in KEYS) that samples hold and a profile does not. The hybrid-login
// sample signs in with a username and password, which ocs-auth never stores (the browser login
// asks for them), and builds its redirect URI from three keys the client may not even be
// registered with here: one reason, so the three are named in one note.
const REDIRECT_PARTS = `give the redirect URI registered for the client with --redirect-uri if it is not ${DEFAULT_REDIRECT_URI}`;
const NOT_IMPORTED: Record<string, string> = {
  username: 'ocs-auth never stores sign-in names or passwords: the browser login (--pkce) asks for them',
  password: 'ocs-auth never stores a password: the browser login (--pkce) asks for it',
  redirecthost: REDIRECT_PARTS,
  redirectport: REDIRECT_PARTS,
  redirectpath: REDIRECT_PARTS,
};

export async function readSampleSettings(path: string): Promise<SampleSettings> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw unreadableFile(error, path);
  }
  return parseSampleSettings(text, path);
}

export function parseSampleSettings(text: string, path: string): SampleSettings {
  // .NET reads appsettings.json with or without a byte-order mark (Visual Studio writes one).
  const unmarked = text.replace(/^\uFEFF/, '');
  const source = looksLikeJson(unmarked, path) ? fromJson(unmarked, path) : fromIni(unmarked, path);
  const settings: SampleSettings = {};
  for (const [key, value] of Object.entries(source)) {
    const normalized = key.toLowerCase().replaceAll('_', '');
    const notImported = NOT_IMPORTED[normalized];
    if (notImported !== undefined && value !== null && String(value).trim() !== '') {
      (settings.notImported ??= []).push({ key, reason: notImported });
      continue;
    }
    const name = KEYS[normalized];
    if (!name || typeof value !== 'string' || value.trim() === '') continue;
    // The samples ship with values like PLACEHOLDER_REPLACE_WITH_TENANT_ID, your-client-id or <account-id>.
    if (/PLACEHOLDER|REPLACE_WITH|^your-|<[^>]*>/i.test(value)) {
      throw new UsageError(`${path}: ${key} still holds the sample's placeholder`, { hint: 'fill in the real value first' });
    }
    settings[name] = value.trim();
  }
  if (Object.keys(settings).every((key) => key === 'notImported' || key === 'namespace')) {
    throw new UsageError(`${path} has none of Resource, ApiVersion, TenantId, AccountId, ClientId, ClientSecret (or base_url, account_id, client_id, …)`);
  }
  return settings;
}

/** A .json file, or text whose first token (past comments) opens an object: an INI file starts with a [section]. */
function looksLikeJson(text: string, path: string): boolean {
  return /\.json$/i.test(path) || /^(?:\s|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*\{/.test(text);
}

// jsonc-parser's error codes in the words of the person who has to fix the file.
const JSON_ERRORS: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected a "key" in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: 'expected ":"',
  CommaExpected: 'expected ","',
  CloseBraceExpected: 'expected "}"',
  CloseBracketExpected: 'expected "]"',
  EndOfFileExpected: 'unexpected text after the closing "}"',
  InvalidCommentToken: 'invalid comment',
  UnexpectedEndOfComment: 'a /* comment is not closed',
  UnexpectedEndOfString: 'a string is not closed',
  UnexpectedEndOfNumber: 'a number is cut short',
  InvalidUnicode: 'invalid \\u escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'invalid character in a string',
};

/** As .NET's configuration reader reads it: comments and trailing commas are fine. */
function fromJson(text: string, path: string): Record<string, unknown> {
  const errors: ParseError[] = [];
  const value: unknown = parseJsonc(text, errors, { allowTrailingComma: true, disallowComments: false });
  const [error] = errors;
  if (error !== undefined) {
    const { line, column } = lineAndColumn(text, error.offset);
    const code = printParseErrorCode(error.error);
    throw new UsageError(`${path}:${line}:${column}: ${JSON_ERRORS[code] ?? code}`, { hint: "fix the file: it should be JSON like the samples' appsettings.json" });
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new UsageError(`${path} is not a JSON object like the samples' appsettings.json`);
}

/** 1-based, as editors count. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
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
