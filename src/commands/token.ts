import { type Command, Option } from 'commander';
import { CredentialsElsewhereError, CredentialsRejectedError, LoginRequiredError } from '../errors.js';
import { getAccessToken, loginCommand } from '../flows/access-token.js';
import { readBoundSecret } from '../flows/bound-secret.js';
import { tokenRequest } from '../flows/cached-token.js';
import type { FlowDeps } from '../flows/flow-deps.js';
import type { StoredToken } from '../flows/stored-token.js';
import { canPrompt } from '../cli/io.js';
import type { Register } from './register.js';
import { type CompleteSettings, requireComplete } from '../config/settings.js';
import { formatToken, SHELL_NAMES, TOKEN_VARIABLE, tokenFormat } from './token-output.js';
import type { TokenOptions } from './token-args.js';
import { type CommandContext, createContext, type FlowOptions, type ProfileOptions, settingFlags } from './context.js';
import { addCacheOptions, addFlowOptions, addProfileOptions, EXIT_STATUS_HELP } from './options.js';
import { DEFAULT_LOGIN_TIMEOUT_SECONDS, logIn, rejectedClientHint } from './login.js';

export const register: Register = (program, deps) => {
  const command = program
    .command('token')
    .description('print a valid access token on stdout, reusing the cached one while it is fresh')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  TOKEN=$(ocs-auth token)\n' +
        '  curl -H "$(ocs-auth token --header)" "https://uswe.datahub.connect.aveva.com/api/v1/Tenants/TENANT"\n' +
        `\n${EXIT_STATUS_HELP}`,
    );
  addFlowOptions(command);
  addProfileOptions(command);
  addCacheOptions(command);
  addTokenOutputOptions(command)
    .action(async (options: TokenOptions, self: Command) => run(options, createContext(deps, self.optsWithGlobals())));
};

function addTokenOutputOptions(command: Command): Command {
  // --shell comes first: commander names the first conflicting option it meets, and the
  // person typed --shell, not the --export it implies.
  return command
    .addOption(
      new Option('--shell <shell>', 'syntax for --export (implies it); default sh')
        .choices(SHELL_NAMES)
        .implies({ export: true })
        .conflicts(['header', 'json']),
    )
    .addOption(new Option('--export', `print a command that sets ${TOKEN_VARIABLE}, for eval "$(ocs-auth token --export)"`).conflicts(['header', 'json']))
    .addOption(new Option('--header', 'print "Authorization: Bearer …", for curl -H').conflicts('json'))
    .addOption(new Option('--json', 'print one JSON document: the token, its expiry, profile, flow, tenant and resource'));
}

export async function run(options: TokenOptions, context: CommandContext): Promise<void> {
  const { settings, token } = await accessToken(options, context);
  context.deps.io.print(formatToken(tokenFormat(options), token, settings, context.deps.now()));
}

/**
 * The person chooses: drop what points elsewhere, or log the profile in there. Naming the
 * overrides in force is what makes the first choice obvious.
 */
function elsewhereHint(options: ProfileOptions, env: NodeJS.ProcessEnv, settings: CompleteSettings): string {
  const overrides = [
    options.resource && '--resource',
    options.discoveryUrl && '--discovery-url',
    options.tenantId && '--tenant-id',
    options.accountId && '--account-id',
    options.clientId && '--client-id',
    env.OCS_RESOURCE && 'OCS_RESOURCE',
    env.OCS_DISCOVERY_URL && 'OCS_DISCOVERY_URL',
    env.OCS_TENANT_ID && 'OCS_TENANT_ID',
    env.OCS_ACCOUNT_ID && 'OCS_ACCOUNT_ID',
    env.OCS_CLIENT_ID && 'OCS_CLIENT_ID',
  ].filter((name) => name && !settings.ignoredVariables.includes(name));
  const login = `\`${loginCommand(settings)}\``;
  return overrides.length > 0
    ? `${overrides.join(', ')} ${overrides.length > 1 ? 'point' : 'points'} the profile elsewhere: drop ${overrides.length > 1 ? 'them' : 'it'} to use its login, or run ${login} to log in there`
    : `the profile was changed since its login: run ${login} to log in again`;
}

/** Where the refused secret came from, and for OCS_CLIENT_SECRET, whether a stored one would be used without it. */
async function rejectedSecret(flowDeps: FlowDeps, settings: CompleteSettings, fromEnvironment: boolean): Promise<string> {
  if (!fromEnvironment) return `the stored client secret (\`${loginCommand(settings)}\` stores another)`;
  // A secret store that cannot be read holds none this run could use.
  const stored = await readBoundSecret(flowDeps.store, settings.profile, 'client-credentials', 'client-secret').catch(() => undefined);
  return stored === undefined
    ? 'the client secret in OCS_CLIENT_SECRET'
    : `the client secret in OCS_CLIENT_SECRET, which wins over the one stored for profile "${settings.profile}" (unset it to use that one)`;
}

/**
 * The token `token` prints, with the settings it is for: exec and whoami get theirs the same
 * way. When a login is needed and a person is at the terminal, the login happens here and
 * the token follows; a script (no TTY) gets exit 3 and the command to run instead.
 */
export async function accessToken(
  options: ProfileOptions & FlowOptions & { minValidity: number; force?: boolean },
  context: CommandContext,
): Promise<{ settings: CompleteSettings; token: StoredToken; flowDeps: FlowDeps }> {
  const settings = requireComplete(await context.settings(settingFlags(options)));
  const flowDeps = context.flowDeps(settings.storage, settings);
  const request = tokenRequest(options, settings, context.deps.env);
  try {
    return { settings, token: await getAccessToken(flowDeps, request), flowDeps };
  } catch (error) {
    // A rejection with a hint of its own is about something else than the client and its secret.
    if (error instanceof CredentialsRejectedError && settings.flow === 'client-credentials' && error.hint === undefined) {
      throw new CredentialsRejectedError(error.message, { hint: rejectedClientHint(settings, await rejectedSecret(flowDeps, settings, request.environmentSecret !== undefined)), cause: error });
    }
    if (error instanceof CredentialsElsewhereError) {
      throw new CredentialsElsewhereError(error.message, { hint: elsewhereHint(options, context.deps.env, settings), cause: error });
    }
    if (!(error instanceof LoginRequiredError) || !canPrompt(context.deps.io)) throw error;
    context.ui.info(`${error.message}: logging in first.`);
    await logIn(context, settings, { browser: true, timeout: DEFAULT_LOGIN_TIMEOUT_SECONDS, automatic: true });
    // The login stored a fresh token; the cache serves it.
    return { settings, token: await getAccessToken(flowDeps, { ...request, force: false }), flowDeps };
  }
}
