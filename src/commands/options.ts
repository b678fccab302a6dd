// The options several commands share, as commander declares them. What they mean once parsed
// (settingFlags, chosenFlow) is in context.ts, which the cache-hit path of `token` uses
// without loading commander.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_MIN_VALIDITY_SECONDS } from '../flows/cached-token.js';
import { wholeSeconds } from './context.js';

/** The SPEC's exit codes as the commands that get a token meet them; each command's help adds its own. */
export const EXIT_STATUS_HELP = [
  'Exit status: 0 success; 2 usage or configuration error; 3 login needed and no terminal to do it;',
  '4 credentials rejected; 5 network or server failure (after retries); 130 Ctrl-C, 143 SIGTERM.',
].join('\n');

/** The flags every command that names a tenant and client accepts (SPEC "Configuration"). */
export function addProfileOptions(command: Command): Command {
  return command
    .option('-p, --profile <name>', 'profile in config.ini (env OCS_AUTH_PROFILE, default "default")')
    .option('--resource <url>', 'base URL, e.g. https://uswe.datahub.connect.aveva.com or https://platform.connect.aveva.com (env OCS_RESOURCE)')
    .option('--api-version <version>', 'API version (env OCS_API_VERSION, default v1)')
    .option('--tenant-id <id>', 'OCS / AVEVA Data Hub tenant id (env OCS_TENANT_ID)')
    .option('--account-id <id>', 'CONNECT data services account id, instead of a tenant (env OCS_ACCOUNT_ID)')
    .option('--discovery-url <url>', 'OpenID configuration URL, if not the usual one for resource and tenant/account (env OCS_DISCOVERY_URL)')
    .option('--client-id <id>', 'client id (env OCS_CLIENT_ID)')
    .addOption(new Option('--storage <kind>', 'where secrets live (env OCS_AUTH_STORAGE)').choices(['keychain', 'file']));
}

export function addFlowOptions(command: Command): Command {
  return command
    .addOption(new Option('--pkce', 'browser login: authorization code + PKCE (env OCS_AUTH_FLOW=pkce)').conflicts(['clientCredentials', 'deviceCode']))
    .addOption(new Option('--client-credentials', 'client id + secret (env OCS_AUTH_FLOW=client-credentials)').conflicts('deviceCode'))
    .addOption(new Option('--device-code', 'headless login: enter a code in a browser anywhere (env OCS_AUTH_FLOW=device-code)'));
}

/** The namespace API calls are scoped to: api's {namespace}, exec's OCS_NAMESPACE. */
export function addNamespaceOption(command: Command): Command {
  return command.option('--namespace <name>', 'namespace (CONNECT: data store) for API calls (env OCS_NAMESPACE)');
}

/** How fresh the token must be: token, exec and api take the same options. */
export function addCacheOptions(command: Command): Command {
  return command
    .addOption(new Option('--min-validity <seconds>', 'renew the cached token when fewer seconds remain').default(DEFAULT_MIN_VALIDITY_SECONDS).argParser(seconds))
    .option('--force', 'ignore the cached token and get a new one');
}

/** commander parser for options counted in whole seconds. */
export function seconds(value: string): number {
  const parsed = wholeSeconds(value);
  if (parsed === undefined) throw new InvalidArgumentError('expected a whole number of seconds');
  return parsed;
}
