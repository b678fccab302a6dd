import { Chalk, type ChalkInstance } from 'chalk';
import type { Command } from 'commander';
import type { Flow } from '../config.js';
import { CredentialsRejectedError } from '../errors.js';
import { loginCommand } from '../flows/access-token.js';
import { jwtClaims } from '../flows/jwt.js';
import type { StoredToken } from '../flows/stored-token.js';
import { fetchTenant, type Tenant } from '../flows/tenant.js';
import type { Register } from '../main.js';
import type { CompleteSettings } from '../settings.js';
import { relativeTime } from '../time-format.js';
import { terminalText } from '../ui.js';
import { secondsLeft } from '../token-output.js';
import { addFlowOptions, addProfileOptions, createContext, type CommandContext, type FlowOptions, type ProfileOptions } from './context.js';
import { accessToken, DEFAULT_MIN_VALIDITY_SECONDS } from './token.js';

export interface WhoamiOptions extends ProfileOptions, FlowOptions {
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
  tenant: { id: string; name: string | null; alias: string | null };
  resource: string;
  api_version: string;
  /** ISO 8601, UTC. */
  expires_at: string;
  expires_in: number;
  scopes: string[];
  roles: string[];
}

export const register: Register = (program, deps) => {
  const command = program
    .command('whoami')
    .description('who the token is, in which tenant, until when (asks the API, so a rejected token shows here)')
    .addHelpText('after', '\nExit status 4 when the API rejects the token, 3 when nobody is logged in.');
  addFlowOptions(command);
  addProfileOptions(command);
  command.option('--json', 'one JSON document on stdout').action(async (options: WhoamiOptions, self: Command) => {
    const noColor = self.optsWithGlobals<{ color?: boolean }>().color === false;
    // The report is the data asked for, so it goes to stdout, and colour follows stdout.
    const color = Boolean(deps.io.stdout.isTTY) && !noColor && deps.env.NO_COLOR === undefined;
    await run(options, createContext(deps, self), color);
  });
};

export async function run(options: WhoamiOptions, context: CommandContext, color: boolean): Promise<void> {
  const { settings, token, flowDeps } = await accessToken({ ...options, minValidity: DEFAULT_MIN_VALIDITY_SECONDS }, context);
  let tenant: Tenant;
  try {
    tenant = await fetchTenant(await flowDeps.http(), settings, token.access_token);
  } catch (error) {
    if (!(error instanceof CredentialsRejectedError)) throw error;
    throw new CredentialsRejectedError(error.message, {
      hint: `the token may be revoked or not meant for this tenant; log in again with \`${loginCommand(settings)}\``,
      cause: error,
    });
  }
  const now = context.deps.now();
  const report = whoamiReport(settings, token, tenant, now);
  context.deps.io.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderWhoami(report, new Chalk({ level: color ? 1 : 0 }), now));
}

export function whoamiReport(settings: CompleteSettings, token: StoredToken, tenant: Tenant, nowMs: number): WhoamiReport {
  // For display only: the API call above is what vouches for the token, not its signature here.
  const claims = jwtClaims(token.access_token) ?? {};
  const text = (key: string) => (typeof claims[key] === 'string' && claims[key] !== '' ? (claims[key] as string) : null);
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
    tenant: { id: tenant.Id, name: tenant.CompanyName || null, alias: tenant.Alias || null },
    resource: token.resource,
    api_version: settings.apiVersion,
    expires_at: new Date(token.expires_at).toISOString(),
    expires_in: secondsLeft(token.expires_at, nowMs),
    scopes: claimList(claims.scope),
    // IdentityServer (OCS) writes `role`; other issuers `roles` or the WS-Federation URI.
    roles: [...new Set([claims.role, claims.roles, claims['http://schemas.microsoft.com/ws/2008/06/identity/claims/role']].flatMap(claimList))],
  };
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
};

/** Aligned "label  value" lines, like `gh auth status`: easy to read, and to grep. */
export function renderWhoami(serverReport: WhoamiReport, style: ChalkInstance, nowMs: number): string {
  // Names, emails, tenant names and scopes come from servers: shown, never obeyed.
  const report = JSON.parse(JSON.stringify(serverReport), (_key, value: unknown) => (typeof value === 'string' ? terminalText(value) : value)) as WhoamiReport;
  const { identity, tenant } = report;
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
  const tenantName = tenant.name ? style.bold(tenant.name) : none;
  rows.push(
    ['Tenant', tenant.alias ? `${tenantName} ${style.dim(`(alias ${tenant.alias})`)}` : tenantName],
    ['Tenant id', tenant.id],
    ['Resource', report.resource],
    ['API version', report.api_version],
    ['Profile', report.profile],
    ['Flow', FLOW_NAMES[report.flow]],
    ['Expires', `${localTime(Date.parse(report.expires_at))} ${style.green(`(${relativeTime(Date.parse(report.expires_at), nowMs)})`)}`],
    ['Scopes', report.scopes.length ? report.scopes.join(' ') : none],
    ['Roles', report.roles.length ? report.roles.join(', ') : none],
  );
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${style.dim(label.padEnd(width))}  ${value}\n`).join('');
}

/** "2026-11-23 10:36:02 +01:00": the reader's own clock, with the offset so it is never ambiguous. */
export function localTime(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())} ` +
    `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`
  );
}
