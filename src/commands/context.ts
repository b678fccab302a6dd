import { join } from 'node:path';
import { type ConfigFile, configFilePath, type Flow, loadConfigFile, profileIn } from '../config/config-file.js';
import type { StorageKind } from '../store/secret-store.js';
import type { Deps } from './deps.js';
import { fileCache } from '../store/file-cache.js';
import { UsageError } from '../errors.js';
import type { FlowDeps } from '../flows/flow-deps.js';
import type { HttpClient } from '../flows/http.js';
import { wantsColor } from '../cli/io.js';
import { configDir, stateDir } from '../config/paths.js';
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
  /** Cached tokens, locks, caches and sealed secrets: the config folder, except on Windows (configDir's stateDir). */
  stateDir: string;
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
  const state = stateDir(deps.env);
  let config: Promise<ConfigFile> | undefined;
  const loadConfig = () => (config ??= loadConfigFile(dir));
  let ignoredSaid = false;
  return {
    deps,
    ui,
    verbose,
    configDir: dir,
    stateDir: state,
    loadConfig,
    async settings(flags, { createsProfile = false } = {}) {
      const settings = settingsFrom(await loadConfig(), flags, deps.env, dir, createsProfile);
      // Once a run: a command that resolves its settings twice still names each variable once.
      if (settings.ignoredVariables.length > 0 && !ignoredSaid) {
        ignoredSaid = true;
        ui.warn(ignoredVariablesMessage(settings));
      }
      return settings;
    },
    flowDeps(storage, network = {}) {
      let http: Promise<HttpClient> | undefined;
      const trace = verbose ? (line: string) => ui.detail(line) : undefined;
      return {
        store: deps.openStore({ requested: storage, configDir: dir, stateDir: state, warn: (message) => ui.warn(message), verbose, env: deps.env }),
        tokens: fileTokenCache(state),
        http: () => (http ??= deps.createHttpClient({ trace, caFile: network.caFile })),
        now: () => deps.now(),
        warn: (message) => ui.warn(message),
        trace,
        // Only a stale cache needs the lock: keep its module off the hot path.
        lock: async (name) => (await import('../store/lock.js')).acquireLock(join(state, 'locks'), name, { signal: deps.interrupted, onWait: trace }),
        cache: fileCache(join(state, 'cache')),
        interrupted: deps.interrupted,
      };
    },
  };
}

/** flag > environment variable > profile in config.ini > default, for the profile in force. */
export function settingsFrom(config: ConfigFile, flags: SettingFlags, env: NodeJS.ProcessEnv, dir: string, createsProfile = false): Settings {
  // A login keeps what it proved in a profile: the CI variables are no session of their own there.
  const settings = resolveSettings(flags, env, config, { environmentSession: !createsProfile });
  if (!createsProfile && (flags.profile !== undefined || env.OCS_AUTH_PROFILE)) requireProfile(settings.profile, config, dir);
  return settings;
}

/** A named profile kept its own settings: the variables that pointed elsewhere did nothing, which their setter should know. */
export function ignoredVariablesMessage(settings: Pick<Settings, 'profile' | 'ignoredVariables'>): string {
  const names = settings.ignoredVariables.join(', ');
  return `profile "${settings.profile}" uses its own settings: ignoring ${names}, which ${settings.ignoredVariables.length > 1 ? 'point' : 'points'} elsewhere`;
}

/**
 * A profile someone named must be there: a typo (`-p prdo`) is not the environment's
 * session, and not a profile to create. Without a name, the default profile may be absent
 * (env-only sessions).
 */
export function requireProfile(name: string, config: ConfigFile, dir: string): void {
  if (profileIn(config, name) !== undefined) return;
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

/** `--namespace`: the commands that make or hand on API calls (api, exec, whoami, configure) take it. */
export interface NamespaceOptions {
  namespace?: string;
}

export function settingFlags(options: ProfileOptions & FlowOptions & NamespaceOptions & { redirectUri?: string; scope?: string }): SettingFlags {
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
    namespace: options.namespace,
  };
}

/** A count of whole seconds as typed (digits only), or undefined. */
export function wholeSeconds(text: string): number | undefined {
  return /^\d+$/.test(text) ? Number(text) : undefined;
}
