import { InvalidArgumentError, Option, type Command } from 'commander';
import { getAccessToken } from '../flows/access-token.js';
import type { Register } from '../main.js';
import { requireComplete } from '../settings.js';
import { addFlowOptions, addProfileOptions, createContext, settingFlags, type CommandContext, type FlowOptions, type ProfileOptions } from './context.js';

export interface TokenOptions extends ProfileOptions, FlowOptions {
  minValidity: number;
  force?: boolean;
}

export const register: Register = (program, deps) => {
  const command = program
    .command('token')
    .description('print a valid access token on stdout, reusing the cached one while it is fresh')
    .addHelpText('after', '\nExample:\n  curl -H "Authorization: Bearer $(ocs-auth token)" "$OCS_RESOURCE/api/v1/Tenants/$OCS_TENANT_ID"');
  addFlowOptions(command);
  addProfileOptions(command);
  command
    .addOption(new Option('--min-validity <seconds>', 'renew the cached token when fewer seconds remain').default(300).argParser(seconds))
    .option('--force', 'ignore the cached token and get a new one')
    .action(async (options: TokenOptions, self: Command) => run(options, createContext(deps, self)));
};

export async function run(options: TokenOptions, context: CommandContext): Promise<void> {
  const settings = requireComplete(await context.settings(settingFlags(options)));
  const { token } = await getAccessToken(context.flowDeps(settings.storage), {
    settings,
    minValiditySeconds: options.minValidity,
    force: Boolean(options.force),
    environmentSecret: settings.flow === 'client-credentials' ? context.deps.env.OCS_CLIENT_SECRET || undefined : undefined,
  });
  context.deps.io.stdout.write(`${token.access_token}\n`);
}

export function seconds(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number of seconds');
  return Number(value);
}
