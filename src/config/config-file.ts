import { readFile } from '../store/fs-async.js';
import { join } from 'node:path';
import ini from 'ini';
import { checkPrivateFile } from '../store/private-path.js';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../store/fs-atomic.js';
import { fsUsageError } from '../store/fs-errors.js';

export const FLOWS = ['pkce', 'client-credentials', 'device-code'] as const;
export type Flow = (typeof FLOWS)[number];
/** The flows of a person logging in with a public client: a refresh token, no secret. */
export type PublicClientFlow = Exclude<Flow, 'client-credentials'>;

/** The keys a profile section may hold. A client secret is deliberately not one of them. */
export const PROFILE_KEYS = [
  'resource',
  'api_version',
  'tenant_id',
  'account_id',
  'discovery_url',
  'client_id',
  'flow',
  'redirect_uri',
  'scope',
  'storage',
  'ca_file',
  'namespace',
] as const;
export type ProfileKey = (typeof PROFILE_KEYS)[number];
export type Profile = Partial<Record<ProfileKey, string>>;
export type ConfigFile = Record<string, Profile>;

/** The file's own section of that name: `-p toString` is no profile, not Object.prototype's. */
export function profileIn(config: ConfigFile, name: string): Profile | undefined {
  return Object.hasOwn(config, name) ? config[name] : undefined;
}

export function configFilePath(dir: string): string {
  return join(dir, 'config.ini');
}

// No dots: ini reads [a.b] as a section b nested in a.
const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function validateProfileName(name: string): string {
  if (!PROFILE_NAME.test(name)) {
    throw new UsageError(`invalid profile name "${name}"`, {
      hint: 'use letters, digits, "_" and "-" (at most 64 characters)',
    });
  }
  return name;
}

/** A missing file is an empty config; anything else we cannot read or understand is exit 2. */
export async function loadConfigFile(dir: string): Promise<ConfigFile> {
  const path = configFilePath(dir);
  let text: string;
  try {
    await checkPrivateFile(path, 'file');
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    const usage = fsUsageError(error, 'read', path);
    throw usage instanceof UsageError ? usage : new UsageError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parseConfig(text, path);
}

// The ini package accepts anything (a binary blob parses as keys without values), so the
// line structure is checked first: a typo should fail loudly, naming file and line. The
// values themselves are then read by ini, the same code that wrote them.
export function parseConfig(text: string, path: string): ConfigFile {
  let inSection = false;
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const where = `${path}:${index + 1}`;
    // ini splits lines at a lone CR too, and its line pattern's `.` stops at U+2028/U+2029: read
    // by ini, such a line would be other lines (a smuggled [section]) or silently no key at all.
    const separator = /[\r\u2028\u2029]/.exec(rawLine)?.[0];
    if (separator !== undefined) {
      throw new UsageError(`${where}: ${separator === '\r' ? 'a carriage return not followed by a newline' : `a U+${separator.charCodeAt(0).toString(16).toUpperCase()} line separator`} inside the line`, {
        hint: 'save the file with plain LF or CRLF line ends',
      });
    }
    const line = rawLine.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) return;
    const header = /^\[([^\]]*)\]$/.exec(line);
    if (header) {
      if (!PROFILE_NAME.test(header[1]!.trim())) throw new UsageError(`${where}: invalid profile name [${header[1]}]`);
      inSection = true;
      return;
    }
    const assignment = /^([^=]+?)\s*=/.exec(line);
    if (!assignment) throw new UsageError(`${where}: expected "key = value" or "[profile]"`);
    if (!inSection) throw new UsageError(`${where}: "${assignment[1]}" is outside any [profile] section`);
    if (!(PROFILE_KEYS as readonly string[]).includes(assignment[1]!)) {
      throw new UsageError(`${where}: unknown key "${assignment[1]}"`, { hint: `known keys: ${PROFILE_KEYS.join(', ')}` });
    }
  });
  const sections = ini.parse(text) as Record<string, Profile>;
  return Object.fromEntries(Object.entries(sections).map(([name, profile]) => [name, { ...profile }]));
}

/**
 * Writes one profile and keeps every other as the file holds it now. The read-modify-write
 * runs under a lock: parallel logins and configures of different profiles would otherwise
 * each write back the file without the other's profile.
 */
export async function saveProfile(dir: string, name: string, update: (current: Profile | undefined) => Profile): Promise<void> {
  // Loaded on use: the lock needs node:crypto, which a cached `token` never loads.
  const { acquireLock } = await import('../store/lock.js');
  const release = await acquireLock(join(dir, 'locks'), 'config-file');
  try {
    const config = await loadConfigFile(dir);
    await saveConfigFile(dir, { ...config, [name]: update(profileIn(config, name)) });
  } finally {
    await release();
  }
}

/** What config.ini can hold safely: ini would write a newline or bracket straight into the file. */
export function checkProfile(name: string, profile: Profile): void {
  validateProfileName(name);
  for (const [key, value] of Object.entries(profile)) {
    if (value !== undefined && /[\r\n]/.test(value)) throw new UsageError(`${key} must be a single line`);
  }
}

export async function saveConfigFile(dir: string, config: ConfigFile): Promise<void> {
  for (const [name, profile] of Object.entries(config)) checkProfile(name, profile);
  await writeFileAtomic(configFilePath(dir), ini.stringify(config, { whitespace: true }));
}
