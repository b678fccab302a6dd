import { InvalidArgumentError, Option, type Command } from 'commander';
import { getAccessToken } from '../flows/access-token.js';
import type { FlowDeps } from '../flows/flow-deps.js';
import type { StoredToken } from '../flows/stored-token.js';
import type { Register } from '../main.js';
import { requireComplete, type CompleteSettings } from '../settings.js';
import { addTokenOutputOptions, formatToken, tokenFormat, type TokenOutputOptions } from '../token-output.js';
import { addFlowOptions, addProfileOptions, createContext, settingFlags, type CommandContext, type FlowOptions, type ProfileOptions } from './context.js';

export interface TokenOptions extends ProfileOptions, FlowOptions, TokenOutputOptions {
  minValidity: number;
  force?: boolean;
}

export const DEFAULT_MIN_VALIDITY_SECONDS = 300;

export const register: Register = (program, deps) => {
  const command = program
    .command('token')
    .description('print a valid access token on stdout, reusing the cached one while it is fresh')
    .addHelpText('after', '\nExample:\n  curl -H "Authorization: Bearer $(ocs-auth token)" "$OCS_RESOURCE/api/v1/Tenants/$OCS_TENANT_ID"');
  addFlowOptions(command);
  addProfileOptions(command);
  command
    .addOption(new Option('--min-validity <seconds>', 'renew the cached token when fewer seconds remain').default(DEFAULT_MIN_VALIDITY_SECONDS).argParser(seconds))
    .option('--force', 'ignore the cached token and get a new one');
  addTokenOutputOptions(command)
    .action(async (options: TokenOptions, self: Command) => run(options, createContext(deps, self)));
};

export async function run(options: TokenOptions, context: CommandContext): Promise<void> {
  const { settings, token } = await accessToken(options, context);
  context.deps.io.stdout.write(formatToken(tokenFormat(options, context.deps.env), token, settings, context.deps.now()));
}

/** The token `token` prints, with the settings it is for: exec and whoami get theirs the same way. */
export async function accessToken(
  options: ProfileOptions & FlowOptions & { minValidity: number; force?: boolean },
  context: CommandContext,
): Promise<{ settings: CompleteSettings; token: StoredToken; flowDeps: FlowDeps }> {
  const settings = requireComplete(await context.settings(settingFlags(options)));
  const flowDeps = context.flowDeps(settings.storage);
  const { token } = await getAccessToken(flowDeps, {
    settings,
    minValiditySeconds: options.minValidity,
    force: Boolean(options.force),
    environmentSecret: settings.flow === 'client-credentials' ? context.deps.env.OCS_CLIENT_SECRET || undefined : undefined,
  });
  return { settings, token, flowDeps };
}

export function seconds(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number of seconds');
  return Number(value);
}
