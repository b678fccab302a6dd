import type { Command } from 'commander';
import { loadConfigFile, saveConfigFile, type Profile } from '../config.js';
import { loginClientCredentials } from '../flows/access-token.js';
import { UsageError } from '../errors.js';
import { canPrompt, readAllStdin } from '../io.js';
import type { Register } from '../main.js';
import { DEFAULT_API_VERSION, requireComplete, type CompleteSettings } from '../settings.js';
import { addFlowOptions, addProfileOptions, createContext, settingFlags, type CommandContext, type FlowOptions, type ProfileOptions } from './context.js';

export interface LoginOptions extends ProfileOptions, FlowOptions {
  clientSecretStdin?: boolean;
  redirectUri?: string;
  scope?: string;
}

export const register: Register = (program, deps) => {
  const command = program
    .command('login')
    .description('log in and keep the credentials: a browser login (--pkce) or a client secret (--client-credentials)')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  ocs-auth login --pkce\n' +
        '  ocs-auth login --client-credentials --client-secret-stdin < secret.txt',
    );
  addFlowOptions(command);
  addProfileOptions(command);
  command
    .option('--client-secret-stdin', 'read the client secret from stdin (else OCS_CLIENT_SECRET, else a hidden prompt)')
    .option('--redirect-uri <uri>', 'PKCE redirect URI registered for the client (default http://localhost:5004/callback.html)')
    .option('--scope <scopes>', 'scopes to ask for (PKCE default "openid ocsapi"; add offline_access for refresh tokens)')
    .action(async (options: LoginOptions, self: Command) => run(options, createContext(deps, self)));
};

export async function run(options: LoginOptions, context: CommandContext): Promise<void> {
  const settings = requireComplete(await context.settings(settingFlags(options)));
  if (settings.flow === 'pkce') throw new Error('browser login (--pkce) is not built yet');

  const clientSecret = await readClientSecret(options, context);
  const { tenant } = await loginClientCredentials(context.flowDeps(settings.storage), settings, clientSecret);
  await rememberProfile(context, settings);
  const tenantName = tenant.CompanyName ? `"${tenant.CompanyName}" (${tenant.Id})` : tenant.Id;
  context.ui.success(`Logged in to tenant ${tenantName} as client ${settings.clientId} [profile ${settings.profile}]`);
}

async function readClientSecret(options: LoginOptions, { deps }: CommandContext): Promise<string> {
  if (options.clientSecretStdin) {
    const secret = (await readAllStdin(deps.io.stdin)).replace(/\r?\n$/, '');
    if (!secret) throw new UsageError('--client-secret-stdin given but stdin was empty');
    return secret;
  }
  if (deps.env.OCS_CLIENT_SECRET) return deps.env.OCS_CLIENT_SECRET;
  if (!canPrompt(deps.io)) {
    throw new UsageError('no client secret given', { hint: 'pipe it to --client-secret-stdin, or set OCS_CLIENT_SECRET' });
  }
  const secret = await (await deps.createPrompter()).password('Client secret');
  if (!secret) throw new UsageError('no client secret given');
  return secret;
}

/**
 * Later commands must find what this login used, so the profile keeps it. Re-read the file
 * right before writing: another process may have changed it while we waited on the server.
 */
async function rememberProfile(context: CommandContext, settings: CompleteSettings): Promise<void> {
  const config = await loadConfigFile(context.configDir);
  const profile: Profile = {
    ...config[settings.profile],
    resource: settings.resource,
    tenant_id: settings.tenantId,
    client_id: settings.clientId,
    flow: settings.flow,
  };
  if (settings.apiVersion !== DEFAULT_API_VERSION) profile.api_version = settings.apiVersion;
  if (settings.storage) profile.storage = settings.storage;
  await saveConfigFile(context.configDir, { ...config, [settings.profile]: profile });
}
