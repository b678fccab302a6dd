import type { Command } from 'commander';
import { checkProfile, configFilePath, type Flow, FLOWS, type Profile, PROFILE_KEYS, profileIn, saveProfile, validateProfileName } from '../config/config-file.js';
import { UsageError } from '../errors.js';
import { canPrompt, readAllStdin } from '../cli/io.js';
import type { Register } from './register.js';
import type { Prompter } from '../cli/prompter.js';
import type { NotImported, SampleSettings } from '../config/sample-settings.js';
import { bindingFor, storeBoundSecret } from '../flows/bound-secret.js';
import { sessionLockName } from '../flows/stored-token.js';
import { DEFAULT_PROFILE, derivedDiscoveryUrl, normalizeDiscoveryUrl, normalizeResource, requireComplete, resolveSettings, WELL_KNOWN } from '../config/settings.js';
import { rejectOtherFlowFlags, typedFlags } from './login.js';
import { chosenFlow, type CommandContext, createContext, type FlowOptions, type NamespaceOptions, type ProfileOptions } from './context.js';
import { addFlowOptions, addNamespaceOption, addProfileOptions } from './options.js';

export interface ConfigureOptions extends ProfileOptions, FlowOptions, NamespaceOptions {
  redirectUri?: string;
  scope?: string;
  clientSecretStdin?: boolean;
  from?: string;
}

export const register: Register = (program, deps) => {
  const command = program
    .command('configure')
    .description('create or update a profile in config.ini; asks for what is missing on a TTY')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  ocs-auth configure\n' +
        '  ocs-auth configure --resource https://uswe.datahub.connect.aveva.com --tenant-id T --client-id C --client-credentials\n' +
        '  ocs-auth configure -p connect --resource https://platform.connect.aveva.com --account-id A --client-id C --client-credentials\n' +
        '  ocs-auth configure --from appsettings.json\n' +
        '\nExit status: 0 when the profile is saved; 2 for a missing or invalid setting, an unreadable --from file,\n' +
        'or secret storage that cannot be reached; 130 Ctrl-C at a prompt.',
    );
  addProfileOptions(command);
  addFlowOptions(command);
  addNamespaceOption(command);
  command
    .option('--redirect-uri <uri>', 'PKCE redirect URI registered for the client (default http://localhost:5004/callback.html)')
    .option('--scope <scopes>', 'scopes to ask for, as given (PKCE and device code default "openid ocsapi offline_access"; without offline_access no refresh token)')
    .option('--client-secret-stdin', 'read the client secret from stdin and keep it in secret storage')
    .option('--from <file>', "import an OCS or CONNECT sample's appsettings.json, or an OCS sample's config.ini")
    .action(async (options: ConfigureOptions, self: Command) => run(options, createContext(deps, self.optsWithGlobals()), typedFlags(self)));
};

export async function run(options: ConfigureOptions, context: CommandContext, typed: Set<string> = new Set()): Promise<void> {
  const { deps, ui } = context;
  const profileName = validateProfileName(options.profile ?? (deps.env.OCS_AUTH_PROFILE || DEFAULT_PROFILE));
  const config = await context.loadConfig();
  // Loaded only here: its JSON-with-comments reader would otherwise load with every command.
  const imported: SampleSettings = options.from ? await (await import('../config/sample-settings.js')).readSampleSettings(options.from) : {};

  const before = profileIn(config, profileName);
  const profile: Profile = { ...before };
  // The OCS_* variables whose values end up in the profile: said, since nobody typed them here.
  // They fill in what the profile lacks, and change nothing it has: every other command lets a
  // named profile's own settings win over variables left in the environment, and so does this.
  const fromEnv = new Set<string>();
  const env = (name: string, ...keys: (keyof Profile)[]) => {
    const value = keys.some((key) => before?.[key] !== undefined) ? undefined : deps.env[name] || undefined;
    if (value !== undefined) fromEnv.add(name);
    return value;
  };
  assign(profile, 'resource', options.resource ?? imported.resource ?? env('OCS_RESOURCE', 'resource'));
  assign(profile, 'api_version', options.apiVersion ?? imported.apiVersion ?? env('OCS_API_VERSION', 'api_version'));
  // A tenant or an account, from the first source that names one; it replaces the other kind.
  const tenantId = options.tenantId ?? imported.tenantId;
  const accountId = options.accountId ?? imported.accountId;
  const tenantOrAccount =
    tenantId || accountId ? { tenantId, accountId } : { tenantId: env('OCS_TENANT_ID', 'tenant_id', 'account_id'), accountId: env('OCS_ACCOUNT_ID', 'tenant_id', 'account_id') };
  if (tenantOrAccount.tenantId && tenantOrAccount.accountId) {
    throw new UsageError('give a tenant id (OCS / AVEVA Data Hub) or an account id (CONNECT), not both');
  }
  if (tenantOrAccount.tenantId || tenantOrAccount.accountId) {
    delete profile.tenant_id;
    delete profile.account_id;
    assign(profile, 'tenant_id', tenantOrAccount.tenantId);
    assign(profile, 'account_id', tenantOrAccount.accountId);
  }
  assign(profile, 'discovery_url', options.discoveryUrl ?? env('OCS_DISCOVERY_URL', 'discovery_url'));
  assign(profile, 'client_id', options.clientId ?? imported.clientId ?? env('OCS_CLIENT_ID', 'client_id'));
  assign(profile, 'redirect_uri', options.redirectUri ?? imported.redirectUri);
  assign(profile, 'scope', options.scope ?? imported.scope);
  assign(profile, 'storage', options.storage);
  assign(profile, 'namespace', options.namespace ?? imported.namespace ?? env('OCS_NAMESPACE', 'namespace'));
  const secretGiven = Boolean(options.clientSecretStdin || imported.clientSecret);
  // Never a silent default: a flag, a secret (only client credentials takes one), OCS_AUTH_FLOW,
  // the profile's own, or the person's answer. A wrong guess shows up only at the first login.
  assign(profile, 'flow', chosenFlow(options) ?? (secretGiven ? 'client-credentials' : before?.flow === undefined ? flowFromEnv(deps.env, fromEnv) : undefined));
  dropOtherFlowSettings(profile, before, { scope: options.scope ?? imported.scope, redirectUri: options.redirectUri ?? imported.redirectUri });

  if (canPrompt(deps.io)) {
    const prompter = await deps.createPrompter();
    // `configure -p X` alone, for a profile that has everything: let the person edit it.
    const warn = (what: string, value: string) => warnUnlessGuid(ui, what, value);
    if (isComplete(profile) && !givesAnySetting(options)) await askEverything(profile, prompter, warn);
    else await askForMissing(profile, prompter, warn);
    // A sample's well_known_url is taken below, once the resource is known.
    if (!imported.discoveryUrl) await askForDiscoveryUrl(profile, prompter);
  } else {
    const missing = [
      !profile.resource && '--resource',
      !profile.tenant_id && !profile.account_id && '--tenant-id or --account-id',
      !profile.client_id && '--client-id',
      !profile.flow && '--pkce, --client-credentials or --device-code',
      profile.resource && !imported.discoveryUrl && !hasDiscoveryUrl(profile) && '--discovery-url',
    ].filter(Boolean);
    if (missing.length > 0) {
      throw new UsageError(`missing ${missing.join(', ')} for profile "${profileName}"`, {
        hint: 'pass them as flags (no terminal to ask on), or import a sample with --from FILE',
      });
    }
  }
  profile.resource = normalizeResource(profile.resource!);
  rejectOtherFlowFlags(typed, { flow: profile.flow as Flow, profile: profileName, profileExists: before !== undefined });
  warnUnlessGuid(ui, 'tenant id', profile.tenant_id);
  warnUnlessGuid(ui, 'client id', profile.client_id);
  importDiscoveryUrl(profile, imported, ui);
  // Checks the profile as every later command will read it (e.g. a discovery URL over plain
  // http), and as config.ini can hold it, before anything is stored.
  resolveSettings({ profile: profileName }, {}, { [profileName]: profile });
  checkProfile(profileName, profile);

  const secret = options.clientSecretStdin ? (await readAllStdin(deps.io.stdin)).replace(/\r?\n$/, '') : imported.clientSecret;
  if (options.clientSecretStdin && !secret) throw new UsageError('--client-secret-stdin given but stdin was empty');
  if (secret) {
    const { storage } = resolveSettings({ profile: profileName }, deps.env, { [profileName]: profile });
    const { store, tokens, lock } = context.flowDeps(storage);
    // Bound to the profile as written (no environment override), and to its issuer once that has accepted it.
    const written = requireComplete(resolveSettings({ profile: profileName }, {}, { [profileName]: profile }));
    // The lock a `token` run holds while it uses, and binds, the old secret: after it, the new one stands.
    const release = await lock(sessionLockName(profileName, 'client-credentials'));
    try {
      await storeBoundSecret(store, profileName, 'client-credentials', 'client-secret', secret, bindingFor(written, null), deps.now());
      // A token got with the old secret must not outlive it.
      await tokens.delete({ owner: profileName, flow: 'client-credentials' });
    } finally {
      await release();
    }
    ui.info(`Client secret stored in ${store.describe()}.`);
    if (options.from && imported.clientSecret) {
      ui.warn(`${options.from} still holds the client secret in plain text: delete it from there.`);
    }
  }

  await saveProfile(context.configDir, profileName, () => profile);
  sayNotImported(ui, options.from, imported.notImported ?? []);
  if (fromEnv.size > 0) ui.info(`Values taken from the environment: ${[...fromEnv].join(', ')}.`);
  if (before !== undefined) sayChanges(ui, profileName, before, profile);
  ui.success(`Saved profile "${profileName}" to ${configFilePath(context.configDir)}`);
  if (canPrompt(deps.io)) ui.info(`next: ocs-auth login${profileName === DEFAULT_PROFILE ? '' : ` -p ${profileName}`}`);
}

/** One line per reason, so the hybrid sample's three redirect keys read as one note. */
function sayNotImported(ui: CommandContext['ui'], from: string | undefined, notImported: NotImported[]): void {
  const byReason = new Map<string, string[]>();
  for (const { key, reason } of notImported) byReason.set(reason, [...(byReason.get(reason) ?? []), key]);
  for (const [reason, keys] of byReason) {
    ui.info(`note: ${keys.join(', ')} in ${from} ${keys.length === 1 ? 'was' : 'were'} not imported: ${reason}.`);
  }
}

/** A profile changed in place (an import over it, most of all) says what it had before. */
function sayChanges(ui: CommandContext['ui'], profileName: string, before: Profile, after: Profile): void {
  const changes = PROFILE_KEYS.filter((key) => before[key] !== after[key]).map((key) =>
    before[key] === undefined ? `${key} set to ${after[key]}` : after[key] === undefined ? `${key} ${before[key]} removed` : `${key} ${before[key]} -> ${after[key]}`,
  );
  if (changes.length > 0) ui.info(`Profile "${profileName}" changed: ${changes.join('; ')}.`);
}

/**
 * A scope asked for by a browser login means nothing to client credentials (and would be
 * sent with the secret), and a redirect URI only serves the browser login: when the flow
 * changes, what belonged to the old one goes, unless this run gives it again.
 */
function dropOtherFlowSettings(profile: Profile, before: Profile | undefined, given: { scope: string | undefined; redirectUri: string | undefined }): void {
  if (before?.flow === undefined || before.flow === profile.flow) return;
  const userLogin = (flow: string | undefined) => flow === 'pkce' || flow === 'device-code';
  if (given.scope === undefined && userLogin(before.flow) !== userLogin(profile.flow)) delete profile.scope;
  if (given.redirectUri === undefined && profile.flow !== 'pkce') delete profile.redirect_uri;
}

/** A discovery URL given, or one ocs-auth can derive (not for an account on a plain-http resource). */
function hasDiscoveryUrl(profile: Profile): boolean {
  if (profile.discovery_url) return true;
  try {
    return derivedDiscoveryUrl(normalizeResource(profile.resource!), profile.account_id) !== undefined;
  } catch {
    // An invalid resource is reported as such, below.
    return true;
  }
}

/**
 * The CONNECT samples' well_known_url is kept only where it is not the one ocs-auth derives
 * anyway, so the profile follows a later change of resource or account.
 */
function importDiscoveryUrl(profile: Profile, imported: SampleSettings, ui: CommandContext['ui']): void {
  if (!imported.discoveryUrl || profile.discovery_url) return;
  const derived = derivedDiscoveryUrl(profile.resource!, profile.account_id);
  if (normalizeDiscoveryUrl(imported.discoveryUrl) !== derived) {
    profile.discovery_url = normalizeDiscoveryUrl(imported.discoveryUrl);
    ui.info(`Discovery URL ${profile.discovery_url} kept: it is not the usual one for this resource${profile.account_id ? ' and account' : ''}.`);
  }
}

function flowFromEnv(env: NodeJS.ProcessEnv, fromEnv: Set<string>): Flow | undefined {
  const flow = FLOWS.find((flow) => flow === env.OCS_AUTH_FLOW);
  if (flow !== undefined) fromEnv.add('OCS_AUTH_FLOW');
  return flow;
}

function isComplete(profile: Profile): boolean {
  return Boolean(profile.resource && (profile.tenant_id || profile.account_id) && profile.client_id && profile.flow);
}

function givesAnySetting(options: ConfigureOptions): boolean {
  const { profile: _profile, ...settings } = options;
  return Object.values(settings).some((value) => value !== undefined && value !== false);
}

const GUID = /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i;

/** OCS tenant and client ids are GUIDs: "t1" is a slip, but not ours to refuse (an emulator may differ). */
function warnUnlessGuid(ui: CommandContext['ui'], what: string, value: string | undefined): void {
  if (value !== undefined && !GUID.test(value)) {
    ui.warn(`${what} "${value}" does not look like an OCS id (a GUID such as 0a3c6e1f-9b27-4d58-8f10-c2e4a6b8d001); saved all the same`);
  }
}

function assign(profile: Profile, key: keyof Profile, value: string | undefined): void {
  if (value !== undefined && value !== '') profile[key] = value;
}

export const CONNECT_RESOURCE = 'https://platform.connect.aveva.com';

export const REGIONS = [
  { name: 'US West (uswe.datahub.connect.aveva.com)', value: 'https://uswe.datahub.connect.aveva.com' },
  { name: 'Europe North (euno.datahub.connect.aveva.com)', value: 'https://euno.datahub.connect.aveva.com' },
  { name: 'Australia East (auea.datahub.connect.aveva.com)', value: 'https://auea.datahub.connect.aveva.com' },
  { name: 'Japan East (jpea.datahub.connect.aveva.com)', value: 'https://jpea.datahub.connect.aveva.com' },
  { name: 'Legacy OCS (dat-b.osisoft.com)', value: 'https://dat-b.osisoft.com' },
  { name: 'Legacy OCS (dat-d.osisoft.com)', value: 'https://dat-d.osisoft.com' },
  { name: 'CONNECT data services, account-based (platform.connect.aveva.com)', value: CONNECT_RESOURCE },
  { name: 'Another URL…', value: '' },
];

const FLOW_CHOICES: { name: string; value: Flow }[] = [
  { name: 'Browser login (authorization code + PKCE)', value: 'pkce' },
  { name: 'Client id + secret (client credentials)', value: 'client-credentials' },
  { name: 'Code entered in a browser anywhere (device code, for machines without one)', value: 'device-code' },
];

/** Said right after the answer, while the person still has it in mind. */
type WarnUnlessGuid = (what: string, value: string) => void;

/** Every setting, with the current value as the default: Enter keeps it. */
async function askEverything(profile: Profile, prompter: Prompter, warn: WarnUnlessGuid): Promise<void> {
  const required = (value: string) => value.trim() !== '' || 'required';
  profile.resource = (await prompter.input('Resource URL', { default: profile.resource, validate: validResource })).trim();
  if (profile.account_id) profile.account_id = (await prompter.input('Account id', { default: profile.account_id, validate: required })).trim();
  else warn('tenant id', (profile.tenant_id = (await prompter.input('Tenant id', { default: profile.tenant_id, validate: required })).trim()));
  warn('client id', (profile.client_id = (await prompter.input('Client id', { default: profile.client_id, validate: required })).trim()));
  profile.flow = await prompter.select<Flow>('How does this client log in?', FLOW_CHOICES, profile.flow as Flow);
  await askNamespace(profile, prompter);
}

/** Optional: most OCS calls are scoped to a namespace (CONNECT: a data store), so `api` can fill {namespace}. */
async function askNamespace(profile: Profile, prompter: Prompter): Promise<void> {
  const answer = (await prompter.input('Namespace for API calls (optional, Enter for none)', { default: profile.namespace })).trim();
  if (answer) profile.namespace = answer;
  else delete profile.namespace;
}

function validResource(value: string): true | string {
  try {
    normalizeResource(value);
    return true;
  } catch (error) {
    return (error as Error).message;
  }
}

async function askForMissing(profile: Profile, prompter: Prompter, warn: WarnUnlessGuid): Promise<void> {
  if (!profile.resource) {
    const region = await prompter.select('Resource (region)', REGIONS);
    profile.resource =
      region ||
      (await prompter.input('Resource URL', { validate: validResource }));
  }
  const required = (value: string) => value.trim() !== '' || 'required';
  if (!profile.tenant_id && !profile.account_id) {
    const known = REGIONS.find((region) => region.value === profile.resource);
    const kind = known
      ? known.value === CONNECT_RESOURCE
        ? 'account'
        : 'tenant'
      : await prompter.select('Which platform is this?', [
          { name: 'OCS / AVEVA Data Hub (a tenant id)', value: 'tenant' as const },
          { name: 'CONNECT data services (an account id)', value: 'account' as const },
        ]);
    if (kind === 'account') profile.account_id = (await prompter.input('Account id', { validate: required })).trim();
    else warn('tenant id', (profile.tenant_id = (await prompter.input('Tenant id', { validate: required })).trim()));
  }
  if (!profile.client_id) warn('client id', (profile.client_id = (await prompter.input('Client id', { validate: required })).trim()));
  profile.flow ||= await prompter.select<Flow>('How does this client log in?', FLOW_CHOICES);
  if (!profile.namespace) await askNamespace(profile, prompter);
}

/** An account on a resource whose identity host cannot be derived: without the URL, no login could start. */
async function askForDiscoveryUrl(profile: Profile, prompter: Prompter): Promise<void> {
  if (hasDiscoveryUrl(profile)) return;
  profile.discovery_url = (
    await prompter.input(`OpenID configuration URL (ends with ${WELL_KNOWN})`, { validate: validDiscoveryUrl })
  ).trim();
}

function validDiscoveryUrl(value: string): true | string {
  try {
    normalizeDiscoveryUrl(value.trim());
    return true;
  } catch (error) {
    return (error as Error).message;
  }
}
