import type { Command } from 'commander';
import { type ConfigFile, type Flow, FLOWS, type Profile } from '../config/config-file.js';
import { STORAGE_KINDS, type StorageKind } from '../store/secret-store.js';
import { type SessionQuery, sessionStatus } from '../flows/session-status.js';
import { parseStoredToken, sessionOwner } from '../flows/stored-token.js';
import { loginCommand } from '../flows/access-token.js';
import type { Register } from './register.js';
import type { SecretStore } from '../store/secret-store.js';
import type { TokenCache } from '../store/token-cache.js';
import { localTime, relativeTime } from '../cli/time-format.js';
import { terminalText } from '../cli/ui.js';
import type { Outcome } from './register.js';
import { type CommandContext, createContext, requireProfile } from './context.js';
import { type CompleteSettings, environmentSessionOf, requireComplete, resolveSettings, type Settings } from '../config/settings.js';
import { OcsAuthError } from '../errors.js';

export interface StatusOptions {
  profile?: string;
  json?: boolean;
}

/** One entry of `status --json` (README "status"): keys are only ever added. */
export interface ProfileStatus {
  profile: string;
  flow: Flow;
  resource: string | null;
  tenant_id: string | null;
  account_id: string | null;
  client_id: string | null;
  logged_in: boolean;
  token_expires_at: string | null;
  has_refresh_token: boolean;
  has_client_secret: boolean;
  storage: StorageKind;
  /** Where its secrets are; null when none are stored (an access token alone lives in the token cache). */
  storage_location: string | null;
  /** Who a browser or device-code login is, from the cached token ("Name <email>"); null for a client. */
  user: string | null;
  /** Why it is not logged in (what `token` would run into); null when it is. */
  reason: string | null;
  /** When the server refused the stored refresh token or secret; null when it has not. */
  refused_at: string | null;
  /** What `api` fills {namespace} with for this session; null when none is set. */
  namespace: string | null;
}

export const register: Register = (program, deps, outcome) => {
  program
    .command('status')
    .description('every profile (or one): flow, logged in or not and why, who, token expiry, where secrets are stored')
    .option('-p, --profile <name>', 'only this profile (env OCS_AUTH_PROFILE)')
    .option('--json', 'one JSON document on stdout: {"profiles": [...]}')
    .addHelpText(
      'after',
      '\nLogged in means `ocs-auth token` would work without a new login.\nExit status: 0 when a profile is logged in; 1 when none is (with --profile: when that one is not), as\n`gh auth status`; 2 for an unknown profile or an unreadable config.ini.',
    )
    .action(async (options: StatusOptions, self: Command) => run(options, createContext(deps, self.optsWithGlobals()), outcome));
};

/** A session to describe: its query, and the settings to show when they do not resolve. */
interface Session {
  query: SessionQuery;
  shown: Profile;
  storage: StorageKind | undefined;
}

export async function run(options: StatusOptions, context: CommandContext, outcome: Outcome): Promise<void> {
  const { deps } = context;
  const config = await context.loadConfig();
  const named = options.profile ?? (deps.env.OCS_AUTH_PROFILE || undefined);
  const { tokens, cache } = context.flowDeps(undefined);
  let sessions = await everySession(context, config, tokens);
  if (named !== undefined) {
    sessions = sessions.filter((session) => session.query.owner === named);
    if (sessions.length === 0) requireProfile(named, config, context.configDir);
  }

  const stores = new Map<string, SecretStore>();
  const storeFor = (requested: StorageKind | undefined): SecretStore => {
    const key = requested ?? 'auto';
    if (!stores.has(key)) stores.set(key, context.flowDeps(requested).store);
    return stores.get(key)!;
  };
  const statuses: ProfileStatus[] = [];
  for (const session of sessions) {
    const store = storeFor(session.storage);
    const status = await sessionStatus({ store, tokens, cache, now: () => deps.now() }, session.query);
    statuses.push({
      profile: session.query.owner,
      flow: session.query.flow,
      resource: session.shown.resource ?? null,
      tenant_id: session.shown.tenant_id ?? null,
      account_id: session.shown.account_id ?? null,
      client_id: session.shown.client_id ?? null,
      logged_in: status.loggedIn,
      token_expires_at: status.tokenExpiresAt === undefined ? null : new Date(status.tokenExpiresAt).toISOString(),
      has_refresh_token: status.hasRefreshToken,
      has_client_secret: status.hasClientSecret,
      storage: store.kind,
      storage_location: status.hasRefreshToken || status.hasClientSecret ? store.describe() : null,
      user: status.user ?? null,
      reason: status.reason ?? null,
      refused_at: status.refusedAt === undefined ? null : new Date(status.refusedAt).toISOString(),
      namespace: session.shown.namespace ?? null,
    });
  }

  // Scripts ask `ocs-auth status || ocs-auth login`, or `ocs-auth status -p ci || …`.
  if (!statuses.some((status) => status.logged_in)) outcome.exitCode = 1;
  if (options.json) {
    deps.io.stdout.write(`${JSON.stringify({ profiles: statuses }, null, 2)}\n`);
    return;
  }
  if (statuses.length === 0) {
    context.ui.info('No profiles yet: run `ocs-auth configure` or `ocs-auth login`.');
    return;
  }
  // Names and issuers come from servers: shown, never obeyed by the terminal.
  deps.io.stdout.write(terminalText(statuses.map((status, index) => humanStatus(status, sessions[index]!, deps.now())).join('\n')));
}

/**
 * Every profile in config.ini, as `token -p NAME` would see it; the session the four CI
 * variables make here; and the sessions other environments left in the token cache, as
 * their cached token describes them.
 */
async function everySession(context: CommandContext, config: ConfigFile, tokens: TokenCache): Promise<Session[]> {
  const { env } = context.deps;
  const environmentSecret = Boolean(env.OCS_CLIENT_SECRET);
  const sessions: Session[] = [];
  const profileTokenOwners = new Set<string>();
  for (const [name, profile] of Object.entries(config)) {
    let settings: Settings | undefined;
    let unresolved: string | undefined;
    try {
      settings = resolveSettings({ profile: name }, env, config);
    } catch (error) {
      if (!(error instanceof OcsAuthError)) throw error;
      unresolved = error.message;
    }
    const flow = settings?.flow ?? FLOWS.find((candidate) => candidate === profile.flow) ?? 'pkce';
    const complete = settings ? completeOrWhy(settings) : { unresolved: unresolved! };
    // `token -p NAME` with OCS_CLIENT_SECRET caches for that secret: this profile's token, not another session's.
    const tokenOwner = flow === 'client-credentials' && !('unresolved' in complete) ? sessionOwner(complete, true) : undefined;
    if (tokenOwner !== undefined) profileTokenOwners.add(tokenOwner);
    sessions.push({
      query: { owner: name, tokenOwner: environmentSecret ? tokenOwner : undefined, flow, settings: complete, environmentSecret },
      shown: settings ? shownSettings(settings) : profile,
      storage: settings?.storage ?? storageSetting(env.OCS_AUTH_STORAGE) ?? storageSetting(profile.storage),
    });
  }
  const environment = environmentSessionOf(env);
  if (environment) {
    sessions.push({
      query: { owner: environment.profile, flow: 'client-credentials', settings: completeOrWhy(environment), environmentSecret: true },
      shown: shownSettings(environment),
      storage: environment.storage,
    });
  }
  for (const cached of await tokens.list()) {
    const flow = FLOWS.find((candidate) => candidate === cached.flow);
    if (!cached.owner.startsWith('env-') || !flow || profileTokenOwners.has(cached.owner) || sessions.some((session) => session.query.owner === cached.owner)) continue;
    const token = parseStoredToken(await tokens.read(cached));
    if (!token) continue;
    const settings = resolveSettings(
      { resource: token.resource, tenantId: token.tenant_id ?? undefined, accountId: token.account_id ?? undefined, clientId: token.client_id, discoveryUrl: token.discovery_url, flow },
      {},
      {},
    );
    sessions.push({
      // Its secret is in another environment: logged in while its token lasts.
      query: { owner: cached.owner, flow, settings: completeOrWhy(settings), environmentSecret: false },
      shown: shownSettings(settings),
      storage: storageSetting(env.OCS_AUTH_STORAGE),
    });
  }
  return sessions;
}

function completeOrWhy(settings: Settings): CompleteSettings | { unresolved: string } {
  try {
    return requireComplete(settings);
  } catch (error) {
    if (!(error instanceof OcsAuthError)) throw error;
    return { unresolved: error.message };
  }
}

function shownSettings(settings: Settings): Profile {
  const shown: Profile = {};
  if (settings.resource !== undefined) shown.resource = settings.resource;
  if (settings.tenantId !== undefined) shown.tenant_id = settings.tenantId;
  if (settings.accountId !== undefined) shown.account_id = settings.accountId;
  if (settings.clientId !== undefined) shown.client_id = settings.clientId;
  if (settings.namespace !== undefined) shown.namespace = settings.namespace;
  return shown;
}

function humanStatus(status: ProfileStatus, session: Session, now: number): string {
  const lines = [`${status.profile} (${status.flow})${status.resource ? ` ${status.resource}` : ''}${status.tenant_id ? `, tenant ${status.tenant_id}` : ''}${status.account_id ? `, account ${status.account_id}` : ''}${status.namespace ? `, namespace ${status.namespace}` : ''}`];
  const client = status.client_id ? `client ${status.client_id}` : undefined;
  const who = status.user && status.logged_in ? `${status.user}${client ? ` (${client})` : ''}` : client;
  if (status.logged_in) lines.push(`  logged in${who ? ` as ${who}` : ''}`);
  else {
    lines.push(`  not logged in: ${status.reason}${client ? ` (${client})` : ''}`);
    const { settings } = session.query;
    // A session of another environment's variables has no login to run: its variables renew it.
    if (!('unresolved' in settings) && !status.profile.startsWith('env-')) lines.push(`  to log in: ${loginCommand(settings)}`);
  }
  if (status.refused_at) {
    const refusedAt = Date.parse(status.refused_at);
    lines.push(`  refused by the server ${localTime(refusedAt)} (${relativeTime(refusedAt, now)})`);
  }
  if (status.token_expires_at) {
    const expiresAt = Date.parse(status.token_expires_at);
    lines.push(`  access token ${expiresAt > now ? 'expires' : 'expired'} ${localTime(expiresAt)} (${relativeTime(expiresAt, now)})`);
  }
  if (status.has_refresh_token) lines.push('  refresh token stored');
  if (status.storage_location) lines.push(`  secrets in ${status.storage_location}`);
  return `${lines.join('\n')}\n`;
}

function storageSetting(value: string | undefined): StorageKind | undefined {
  return STORAGE_KINDS.find((kind) => kind === value);
}
