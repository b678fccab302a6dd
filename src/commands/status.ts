import type { Command } from 'commander';
import { type Flow, FLOWS, type Profile } from '../config/config-file.js';
import { STORAGE_KINDS, type StorageKind } from '../store/secret-store.js';
import { sessionStatus } from '../flows/session-status.js';
import { parseStoredToken } from '../flows/stored-token.js';
import type { Register } from './register.js';
import type { SecretStore } from '../store/secret-store.js';
import type { TokenCache } from '../store/token-cache.js';
import { localTime, relativeTime } from '../cli/time-format.js';
import { terminalText } from '../cli/ui.js';
import { jwtClaims, personName } from '../flows/jwt.js';
import type { Outcome } from './register.js';
import { type CommandContext, createContext } from './context.js';

export interface StatusOptions {
  json?: boolean;
}

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
  storage_location: string;
  /** Added after the rest: who a browser login is, from the cached token ("Name <email>"); null for a client. */
  user: string | null;
}

export const register: Register = (program, deps, outcome) => {
  program
    .command('status')
    .description('every profile: flow, logged in or not, token expiry, where secrets are stored')
    .option('--json', 'one JSON document on stdout: {"profiles": [...]}')
    .addHelpText('after', '\nExit status 1 when no profile is logged in, as `gh auth status`.')
    .action(async (options: StatusOptions, self: Command) => run(options, createContext(deps, self.optsWithGlobals()), outcome));
};

export async function run(options: StatusOptions, context: CommandContext, outcome: Outcome): Promise<void> {
  const { deps } = context;
  const config = await context.loadConfig();
  const stores = new Map<string, SecretStore>();
  const storeFor = (profile: Profile | undefined): SecretStore => {
    const requested = storageSetting(deps.env.OCS_AUTH_STORAGE) ?? storageSetting(profile?.storage);
    const key = requested ?? 'auto';
    if (!stores.has(key)) stores.set(key, context.flowDeps(requested).store);
    return stores.get(key)!;
  };
  const { tokens } = context.flowDeps(undefined);

  const statuses: ProfileStatus[] = [];
  for (const [name, profile] of Object.entries(config)) {
    const flow = FLOWS.find((candidate) => candidate === profile.flow) ?? 'pkce';
    statuses.push(await describe(storeFor(profile), tokens, name, flow, profile, deps.now()));
  }
  // Sessions from OCS_CLIENT_SECRET have no profile; their cached token says what they are for.
  for (const session of await tokens.list()) {
    const flow = FLOWS.find((candidate) => candidate === session.flow);
    if (!session.owner.startsWith('env-') || !flow) continue;
    const token = parseStoredToken(await tokens.read(session));
    if (!token) continue;
    const profile: Profile = { resource: token.resource, client_id: token.client_id };
    if (token.tenant_id !== null) profile.tenant_id = token.tenant_id;
    if (token.account_id !== null) profile.account_id = token.account_id;
    statuses.push(await describe(storeFor(undefined), tokens, session.owner, flow, profile, deps.now()));
  }

  // Scripts ask `ocs-auth status || ocs-auth login`.
  if (!statuses.some((status) => status.logged_in)) outcome.exitCode = 1;
  if (options.json) {
    deps.io.stdout.write(`${JSON.stringify({ profiles: statuses }, null, 2)}\n`);
    return;
  }
  if (statuses.length === 0) {
    context.ui.info('No profiles yet: run `ocs-auth configure` or `ocs-auth login`.');
    return;
  }
  deps.io.stdout.write(statuses.map((status) => humanStatus(status, deps.now())).join('\n'));
}

async function describe(store: SecretStore, tokens: TokenCache, owner: string, flow: Flow, profile: Profile, now: number): Promise<ProfileStatus> {
  const session = await sessionStatus(store, tokens, owner, flow, now);
  const cached = flow === 'pkce' ? parseStoredToken(await tokens.read({ owner, flow })) : undefined;
  return {
    profile: owner,
    flow,
    resource: profile.resource ?? null,
    tenant_id: profile.tenant_id ?? null,
    account_id: profile.account_id ?? null,
    client_id: profile.client_id ?? null,
    logged_in: session.loggedIn,
    token_expires_at: session.tokenExpiresAt === undefined ? null : new Date(session.tokenExpiresAt).toISOString(),
    has_refresh_token: session.hasRefreshToken,
    has_client_secret: session.hasClientSecret,
    storage: store.kind,
    storage_location: store.describe(),
    user: (cached && personName(jwtClaims(cached.access_token) ?? {})) ?? null,
  };
}

function humanStatus(status: ProfileStatus, now: number): string {
  const lines = [`${status.profile} (${status.flow})${status.resource ? ` ${status.resource}` : ''}${status.tenant_id ? `, tenant ${status.tenant_id}` : ''}${status.account_id ? `, account ${status.account_id}` : ''}`];
  const client = status.client_id ? `client ${status.client_id}` : undefined;
  // The name and email are the server's claims: shown, never obeyed (--json keeps them as they came).
  const who = status.user && status.logged_in ? `${terminalText(status.user)}${client ? ` (${client})` : ''}` : client;
  lines.push(status.logged_in ? `  logged in${who ? ` as ${who}` : ''}` : `  not logged in${client ? ` (${client})` : ''}`);
  if (status.token_expires_at) {
    const expiresAt = Date.parse(status.token_expires_at);
    lines.push(`  access token ${expiresAt > now ? 'expires' : 'expired'} ${localTime(expiresAt)} (${relativeTime(expiresAt, now)})`);
  }
  if (status.has_refresh_token) lines.push('  refresh token stored');
  lines.push(`  secrets in ${status.storage_location}`);
  return `${lines.join('\n')}\n`;
}

function storageSetting(value: string | undefined): StorageKind | undefined {
  return STORAGE_KINDS.find((kind) => kind === value);
}
