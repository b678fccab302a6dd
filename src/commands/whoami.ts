import { Chalk, type ChalkInstance } from 'chalk';
import type { Command } from 'commander';
import type { Flow } from '../config/config-file.js';
import { CredentialsRejectedError } from '../errors.js';
import { loginCommand } from '../flows/access-token.js';
import { jwtClaims } from '../flows/jwt.js';
import type { StoredToken } from '../flows/stored-token.js';
import { withProviderMetadata } from '../flows/discovery.js';
import { fetchTenant, type Tenant } from '../flows/tenant.js';
import { fetchUserinfo } from '../flows/userinfo.js';
import type { Register } from './register.js';
import type { CompleteSettings } from '../config/settings.js';
import { localTime, relativeTime } from '../cli/time-format.js';
import { terminalText } from '../cli/ui.js';
import { secondsLeft } from './token-output.js';
import { colorFor } from '../cli/io.js';
import { type CommandContext, createContext, type FlowOptions, type NamespaceOptions, type ProfileOptions } from './context.js';
import { addFlowOptions, addNamespaceOption, addProfileOptions, EXIT_STATUS_HELP } from './options.js';
import { accessToken } from './token.js';
import { DEFAULT_MIN_VALIDITY_SECONDS } from '../flows/cached-token.js';

export interface WhoamiOptions extends ProfileOptions, FlowOptions, NamespaceOptions {
  json?: boolean;
}

/** `whoami --json`: every key always present (null or [] when unknown), so scripts need no guards. */
export interface WhoamiReport {
  identity: {
    kind: 'user' | 'client';
    name: string | null;
    email: string | null;
    /** The token's `sub`. */
    subject: string | null;
    /** The application the token was issued to (for client credentials, the identity itself). */
    client_id: string;
  };
  flow: Flow;
  profile: string;
  /** Null for a CONNECT account. */
  tenant: { id: string; name: string | null; alias: string | null } | null;
  resource: string;
  api_version: string;
  /** ISO 8601, UTC. */
  expires_at: string;
  expires_in: number;
  scopes: string[];
  roles: string[];
  // Added with CONNECT, after the keys scripts already read, so their order stays.
  /** Null for an OCS tenant. */
  account: { id: string } | null;
  /**
   * Which server call vouched for the token: the tenant API (OCS), the userinfo endpoint
   * (a CONNECT user), or none (a CONNECT client: no documented call to ask).
   */
  verified_by: 'tenant-api' | 'userinfo' | null;
  /** What `api` fills {namespace} with: null when none is set. */
  namespace: string | null;
}

export const register: Register = (program, deps) => {
  const command = program
    .command('whoami')
    .description('who the token is, in which tenant or account, until when (asks the server, so a rejected token shows here)')
    .addHelpText('after', `\n${EXIT_STATUS_HELP}\n4 also when the API rejects the token (401/403).`);
  addFlowOptions(command);
  addProfileOptions(command);
  addNamespaceOption(command);
  command.option('--json', 'one JSON document on stdout').action(async (options: WhoamiOptions, self: Command) => {
    const noColor = self.optsWithGlobals<{ color?: boolean }>().color === false;
    // The report is the data asked for, so it goes to stdout, and colour follows stdout.
    const color = colorFor(deps.io.stdout, deps.env, noColor);
    await run(options, createContext(deps, self.optsWithGlobals()), color);
  });
};

export async function run(options: WhoamiOptions, context: CommandContext, color: boolean): Promise<void> {
  const { settings, token, flowDeps } = await accessToken({ ...options, minValidity: DEFAULT_MIN_VALIDITY_SECONDS }, context);
  let tenant: Tenant | undefined;
  let userinfo: Record<string, unknown> | undefined;
  try {
    if (settings.tenantId !== undefined) {
      tenant = await fetchTenant(await flowDeps.http(), { ...settings, tenantId: settings.tenantId }, token.access_token);
    } else if (settings.flow !== 'client-credentials') {
      // Only the issuer of the token is shown the token: a discovery document that now names
      // another one is not the token's.
      userinfo = await withProviderMetadata(flowDeps, settings.discoveryUrl, async (metadata) =>
        metadata.userinfo_endpoint === undefined || metadata.issuer !== token.issuer
          ? undefined
          : fetchUserinfo(await flowDeps.http(), metadata.userinfo_endpoint, token.access_token, stringClaim(jwtClaims(token.access_token) ?? {}, 'sub') ?? undefined),
      );
    }
  } catch (error) {
    // A hint from the call (a 403: the tenant) knows better than "log in again".
    if (!(error instanceof CredentialsRejectedError) || error.hint !== undefined) throw error;
    throw new CredentialsRejectedError(error.message, {
      hint: `the token may be revoked or not meant for this ${tenant === undefined && settings.accountId !== undefined ? 'account' : 'tenant'}; log in again with \`${loginCommand(settings)}\``,
      cause: error,
    });
  }
  const now = context.deps.now();
  const report = whoamiReport(settings, token, tenant, now, userinfo);
  context.deps.io.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderWhoami(report, new Chalk({ level: color ? 1 : 0 }), now));
}

/**
 * `tenant` comes from the tenant API (OCS), `userinfo` from the issuer's userinfo endpoint
 * (a CONNECT user); with neither, nothing on the server has vouched for the token.
 */
export function whoamiReport(settings: CompleteSettings, token: StoredToken, tenant: Tenant | undefined, nowMs: number, userinfo?: Record<string, unknown>): WhoamiReport {
  // For display only: the server call above is what vouches for the token, not its signature here.
  const claims = { ...jwtClaims(token.access_token), ...userinfo };
  const text = (key: string) => stringClaim(claims, key);
  return {
    identity: {
      kind: settings.flow === 'client-credentials' ? 'client' : 'user',
      name: text('name'),
      email: text('email') ?? text('preferred_username'),
      subject: text('sub'),
      client_id: text('client_id') ?? token.client_id,
    },
    flow: settings.flow,
    profile: settings.profile,
    tenant: tenant ? { id: tenant.Id, name: tenant.CompanyName || null, alias: tenant.Alias || null } : null,
    resource: token.resource,
    api_version: settings.apiVersion,
    expires_at: new Date(token.expires_at).toISOString(),
    expires_in: secondsLeft(token.expires_at, nowMs),
    scopes: claimList(claims.scope),
    // IdentityServer (OCS) writes `role`; other issuers `roles` or the WS-Federation URI.
    roles: [...new Set([claims.role, claims.roles, claims['http://schemas.microsoft.com/ws/2008/06/identity/claims/role']].flatMap(claimList))],
    account: settings.accountId === undefined ? null : { id: settings.accountId },
    verified_by: tenant ? 'tenant-api' : userinfo ? 'userinfo' : null,
    namespace: settings.namespace ?? null,
  };
}

function stringClaim(claims: Record<string, unknown>, key: string): string | null {
  return typeof claims[key] === 'string' && claims[key] !== '' ? (claims[key] as string) : null;
}

/** A claim that may be one space-separated string (OAuth `scope`) or a JSON array (IdentityServer). */
function claimList(value: unknown): string[] {
  if (typeof value === 'string') return value.split(' ').filter(Boolean);
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string' && item !== '');
  return [];
}

const FLOW_NAMES: Record<Flow, string> = {
  pkce: 'pkce (browser login)',
  'client-credentials': 'client-credentials (client id + secret)',
  'device-code': 'device-code (code entered in a browser)',
};

/** Aligned "label  value" lines, like `gh auth status`: easy to read, and to grep. */
export function renderWhoami(serverReport: WhoamiReport, style: ChalkInstance, nowMs: number): string {
  // Names, emails, tenant names and scopes come from servers: shown, never obeyed.
  const report = JSON.parse(JSON.stringify(serverReport), (_key, value: unknown) => (typeof value === 'string' ? terminalText(value) : value)) as WhoamiReport;
  const { identity, tenant, account } = report;
  const none = style.dim('(none)');
  const rows: [string, string][] = [];
  if (identity.kind === 'user') {
    const person = identity.name && identity.email ? `${identity.name} <${identity.email}>` : (identity.name ?? identity.email);
    rows.push(['User', person ? style.bold(person) : none]);
    if (identity.subject) rows.push(['Subject', identity.subject]);
    rows.push(['Client', identity.client_id]);
  } else {
    rows.push(['Client', style.bold(identity.client_id)]);
  }
  if (tenant) {
    const tenantName = tenant.name ? style.bold(tenant.name) : none;
    rows.push(['Tenant', tenant.alias ? `${tenantName} ${style.dim(`(alias ${tenant.alias})`)}` : tenantName], ['Tenant id', tenant.id]);
  }
  if (account) {
    rows.push(
      ['Account id', style.bold(account.id)],
      [
        'Verified',
        report.verified_by === 'userinfo'
          ? 'by the userinfo endpoint of the issuer'
          : style.yellow('not by the server: no documented call checks this token (see README "CONNECT"); the rest is read from the token'),
      ],
    );
  }
  rows.push(
    ['Resource', report.resource],
    ['API version', report.api_version],
    ...(report.namespace === null ? [] : [['Namespace', report.namespace] as [string, string]]),
    ['Profile', report.profile],
    ['Flow', FLOW_NAMES[report.flow]],
    ['Expires', `${localTime(Date.parse(report.expires_at))} ${style.green(`(${relativeTime(Date.parse(report.expires_at), nowMs)})`)}`],
    ['Scopes', report.scopes.length ? report.scopes.join(' ') : none],
    ['Roles', report.roles.length ? report.roles.join(', ') : none],
  );
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${style.dim(label.padEnd(width))}  ${value}\n`).join('');
}
