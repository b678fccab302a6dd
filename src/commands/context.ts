import { join } from 'node:path';
import { type ConfigFile, configFilePath, type Flow, loadConfigFile } from '../config/config-file.js';
import type { StorageKind } from '../store/secret-store.js';
import type { Deps } from './deps.js';
import { fileCache } from '../store/file-cache.js';
import { UsageError } from '../errors.js';
import type { FlowDeps } from '../flows/flow-deps.js';
import type { HttpClient } from '../flows/http.js';
import { wantsColor } from '../cli/io.js';
import { configDir } from '../config/paths.js';
import { fileTokenCache } from '../store/token-cache.js';
import { resolveSettings, type SettingFlags, type Settings } from '../config/settings.js';
import { Ui } from '../cli/ui.js';
import { byCloseness } from '../cli/suggest.js';

/** What a command's run() gets besides its own options: deps plus the global flags, resolved once. */
export interface CommandContext {
  deps: Deps;
  ui: Ui;
  verbose: boolean;
  configDir: string;
  loadConfig(): Promise<ConfigFile>;
  /**
   * A profile named by -p or OCS_AUTH_PROFILE must exist, unless the command creates it
   * (`createsProfile`: login).
   */
  settings(flags: SettingFlags, options?: { createsProfile?: boolean }): Promise<Settings>;
  /** `caFile`: Settings.caFile, for the HTTP client's trust (OCS_AUTH_CA_FILE / ca_file). */
  flowDeps(storage: StorageKind | undefined, network?: { caFile?: string | undefined }): FlowDeps;
}

/** The global flags as commander reads them (`optsWithGlobals()`): none where token-args.ts read the command line. */
export interface GlobalOptions {
  verbose?: boolean;
  /** False with --no-color. */
  color?: boolean;
}

export function createContext(deps: Deps, globals: GlobalOptions): CommandContext {
  const verbose = Boolean(globals.verbose);
  const ui = new Ui(deps.io, () => wantsColor(deps.io, deps.env, globals.color === false));
  const dir = configDir(deps.env);
  let config: Promise<ConfigFile> | undefined;
  const loadConfig = () => (config ??= loadConfigFile(dir));
  return {
    deps,
    ui,
    verbose,
    configDir: dir,
    loadConfig,
    settings: async (flags, { createsProfile = false } = {}) => settingsFrom(await loadConfig(), flags, deps.env, dir, createsProfile),
    flowDeps(storage, network = {}) {
      let http: Promise<HttpClient> | undefined;
      const trace = verbose ? (line: string) => ui.detail(line) : undefined;
      return {
        store: deps.openStore({ requested: storage, configDir: dir, warn: (message) => ui.warn(message), verbose }),
        tokens: fileTokenCache(dir),
        http: () => (http ??= deps.createHttpClient({ trace, caFile: network.caFile })),
        now: () => deps.now(),
        warn: (message) => ui.warn(message),
        trace,
        // Only a stale cache needs the lock: keep its module off the hot path.
        lock: async (name) => (await import('../store/lock.js')).acquireLock(join(dir, 'locks'), name, { signal: deps.interrupted }),
        cache: fileCache(join(dir, 'cache')),
        interrupted: deps.interrupted,
      };
    },
  };
}

/** flag > environment variable > profile in config.ini > default, for the profile in force. */
export function settingsFrom(config: ConfigFile, flags: SettingFlags, env: NodeJS.ProcessEnv, dir: string, createsProfile = false): Settings {
  const settings = resolveSettings(flags, env, config);
  if (!createsProfile && (flags.profile !== undefined || env.OCS_AUTH_PROFILE)) requireProfile(settings.profile, config, dir);
  return settings;
}

/**
 * A profile someone named must be there: a typo (`-p prdo`) is not the environment's
 * session, and not a profile to create. Without a name, the default profile may be absent
 * (env-only sessions).
 */
export function requireProfile(name: string, config: ConfigFile, dir: string): void {
  if (Object.hasOwn(config, name)) return;
  const existing = Object.keys(config);
  throw new UsageError(`profile "${name}" does not exist`, {
    hint:
      existing.length > 0
        ? `profiles in ${configFilePath(dir)}: ${byCloseness(name, existing).join(', ')}`
        : `${configFilePath(dir)} has no profiles yet: create one with \`ocs-auth configure -p ${name}\``,
  });
}

/** The flags every command that names a tenant and client accepts (SPEC "Configuration"). */
export interface ProfileOptions {
  profile?: string;
  resource?: string;
  apiVersion?: string;
  tenantId?: string;
  accountId?: string;
  discoveryUrl?: string;
  clientId?: string;
  storage?: StorageKind;
}

export interface FlowOptions {
  pkce?: boolean;
  clientCredentials?: boolean;
  deviceCode?: boolean;
}

export function chosenFlow(options: FlowOptions): Flow | undefined {
  if (options.pkce) return 'pkce';
  if (options.clientCredentials) return 'client-credentials';
  if (options.deviceCode) return 'device-code';
  return undefined;
}

export function settingFlags(options: ProfileOptions & FlowOptions & { redirectUri?: string; scope?: string }): SettingFlags {
  return {
    profile: options.profile,
    resource: options.resource,
    apiVersion: options.apiVersion,
    tenantId: options.tenantId,
    accountId: options.accountId,
    discoveryUrl: options.discoveryUrl,
    clientId: options.clientId,
    storage: options.storage,
    flow: chosenFlow(options),
    redirectUri: options.redirectUri,
    scope: options.scope,
  };
}

/** A count of whole seconds as typed (digits only), or undefined. */
export function wholeSeconds(text: string): number | undefined {
  return /^\d+$/.test(text) ? Number(text) : undefined;
}
