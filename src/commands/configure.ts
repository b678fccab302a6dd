import type { Command } from 'commander';
import { configFilePath, saveConfigFile, validateProfileName, type Flow, type Profile } from '../config.js';
import { UsageError } from '../errors.js';
import { canPrompt, readAllStdin } from '../io.js';
import type { Register } from '../main.js';
import type { Prompter } from '../prompter.js';
import { readSampleSettings, type SampleSettings } from '../sample-settings.js';
import { DEFAULT_PROFILE, normalizeResource, resolveSettings } from '../settings.js';
import { storeBoundSecret } from '../flows/bound-secret.js';
import { addFlowOptions, addProfileOptions, chosenFlow, createContext, type CommandContext, type FlowOptions, type ProfileOptions } from './context.js';

export interface ConfigureOptions extends ProfileOptions, FlowOptions {
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
        '  ocs-auth configure --from appsettings.json',
    );
  addProfileOptions(command);
  addFlowOptions(command);
  command
    .option('--redirect-uri <uri>', 'PKCE redirect URI registered for the client (default http://localhost:5004/callback.html)')
    .option('--scope <scopes>', 'scopes to ask for (PKCE default "openid ocsapi"; add offline_access for refresh tokens)')
    .option('--client-secret-stdin', 'read the client secret from stdin and keep it in secret storage')
    .option('--from <file>', "import an OCS sample's appsettings.json or config.ini")
    .action(async (options: ConfigureOptions, self: Command) => run(options, createContext(deps, self)));
};

export async function run(options: ConfigureOptions, context: CommandContext): Promise<void> {
  const { deps, ui } = context;
  const profileName = validateProfileName(options.profile ?? (deps.env.OCS_AUTH_PROFILE || DEFAULT_PROFILE));
  const config = await context.loadConfig();
  const imported: SampleSettings = options.from ? await readSampleSettings(options.from) : {};

  const profile: Profile = { ...config[profileName] };
  assign(profile, 'resource', options.resource ?? imported.resource);
  assign(profile, 'api_version', options.apiVersion ?? imported.apiVersion);
  assign(profile, 'tenant_id', options.tenantId ?? imported.tenantId);
  assign(profile, 'client_id', options.clientId ?? imported.clientId);
  assign(profile, 'redirect_uri', options.redirectUri ?? imported.redirectUri);
  assign(profile, 'scope', options.scope ?? imported.scope);
  assign(profile, 'storage', options.storage);
  const secretGiven = Boolean(options.clientSecretStdin || imported.clientSecret);
  assign(profile, 'flow', chosenFlow(options) ?? (secretGiven ? 'client-credentials' : undefined));

  if (canPrompt(deps.io)) {
    await askForMissing(profile, await deps.createPrompter());
  } else {
    const missing = [
      !profile.resource && '--resource',
      !profile.tenant_id && '--tenant-id',
      !profile.client_id && '--client-id',
    ].filter(Boolean);
    if (missing.length > 0) {
      throw new UsageError(`missing ${missing.join(', ')} for profile "${profileName}"`, {
        hint: 'pass them as flags (no terminal to ask on), or import a sample with --from FILE',
      });
    }
  }
  profile.resource = normalizeResource(profile.resource!);
  profile.flow ??= 'pkce';

  const secret = options.clientSecretStdin ? (await readAllStdin(deps.io.stdin)).replace(/\r?\n$/, '') : imported.clientSecret;
  if (options.clientSecretStdin && !secret) throw new UsageError('--client-secret-stdin given but stdin was empty');
  if (secret) {
    const { storage } = resolveSettings({ profile: profileName }, deps.env, { [profileName]: profile });
    const { store, tokens } = context.flowDeps(storage);
    // Bound to the profile's resource, client and tenant now, and to their issuer once it has accepted it.
    const binding = { resource: profile.resource, issuer: null, client_id: profile.client_id!, tenant_id: profile.tenant_id! };
    await storeBoundSecret(store, profileName, 'client-credentials', 'client-secret', secret, binding, deps.now());
    // A token got with the old secret must not outlive it.
    await tokens.delete({ owner: profileName, flow: 'client-credentials' });
    ui.info(`Client secret stored in ${store.describe()}.`);
    if (options.from && imported.clientSecret) {
      ui.warn(`${options.from} still holds the client secret in plain text: delete it from there.`);
    }
  }

  await saveConfigFile(context.configDir, { ...config, [profileName]: profile });
  ui.success(`Saved profile "${profileName}" to ${configFilePath(context.configDir)}`);
}

function assign(profile: Profile, key: keyof Profile, value: string | undefined): void {
  if (value !== undefined && value !== '') profile[key] = value;
}

export const REGIONS = [
  { name: 'US West (uswe.datahub.connect.aveva.com)', value: 'https://uswe.datahub.connect.aveva.com' },
  { name: 'Europe North (euno.datahub.connect.aveva.com)', value: 'https://euno.datahub.connect.aveva.com' },
  { name: 'Australia East (auea.datahub.connect.aveva.com)', value: 'https://auea.datahub.connect.aveva.com' },
  { name: 'Japan East (jpea.datahub.connect.aveva.com)', value: 'https://jpea.datahub.connect.aveva.com' },
  { name: 'Legacy OCS (dat-b.osisoft.com)', value: 'https://dat-b.osisoft.com' },
  { name: 'Legacy OCS (dat-d.osisoft.com)', value: 'https://dat-d.osisoft.com' },
  { name: 'Another URL…', value: '' },
];

async function askForMissing(profile: Profile, prompter: Prompter): Promise<void> {
  if (!profile.resource) {
    const region = await prompter.select('Resource (region)', REGIONS);
    profile.resource =
      region ||
      (await prompter.input('Resource URL', {
        validate: (value) => {
          try {
            normalizeResource(value);
            return true;
          } catch (error) {
            return (error as Error).message;
          }
        },
      }));
  }
  const required = (value: string) => value.trim() !== '' || 'required';
  profile.tenant_id ||= (await prompter.input('Tenant id', { validate: required })).trim();
  profile.client_id ||= (await prompter.input('Client id', { validate: required })).trim();
  profile.flow ||= await prompter.select<Flow>('How does this client log in?', [
    { name: 'Browser login (authorization code + PKCE)', value: 'pkce' },
    { name: 'Client id + secret (client credentials)', value: 'client-credentials' },
  ]);
}
