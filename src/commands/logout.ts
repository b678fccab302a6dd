import type { Command } from 'commander';
import { type ConfigFile, profileIn, validateProfileName } from '../config/config-file.js';
import { UsageError } from '../errors.js';
import { logout } from '../flows/logout.js';
import type { Register } from './register.js';
import { caFileSetting, DEFAULT_PROFILE, environmentSessionOf } from '../config/settings.js';
import { FileStore } from '../store/file-store.js';
import { KeychainStore, KeychainUnavailableError } from '../store/keychain-store.js';
import { keychainForFolder } from '../store/open-store.js';
import { accountOwner, type SecretStore } from '../store/secret-store.js';
import { relativeTime } from '../cli/time-format.js';
import type { TokenCache } from '../store/token-cache.js';
import { type CommandContext, createContext, requireProfile } from './context.js';

export interface LogoutOptions {
  profile?: string;
  all?: boolean;
}

export const register: Register = (program, deps) => {
  program
    .command('logout')
    .description("revoke where the server offers it, then remove the profile's stored secrets and tokens")
    .option('-p, --profile <name>', 'profile to log out (env OCS_AUTH_PROFILE, default "default")')
    .option('--all', 'every profile, and every session started from environment variables')
    .addHelpText(
      'after',
      '\nSecrets are removed from both the OS keychain and credentials.json, wherever they are.\n' +
        '\nExit status: 0 when logged out, even where the server could not revoke (that is said);\n' +
        '2 for an unknown profile or an unreadable config.ini (not with --all); 130 Ctrl-C, 143 SIGTERM.',
    )
    .action(async (options: LogoutOptions, self: Command) => run(options, createContext(deps, self.optsWithGlobals())));
};

export async function run(options: LogoutOptions, context: CommandContext): Promise<void> {
  if (options.all && options.profile) throw new UsageError('--all and --profile exclude each other');
  const config = options.all ? await configIfReadable(context) : await context.loadConfig();
  const stores = await reachableStores(context);

  const named = options.profile ?? (context.deps.env.OCS_AUTH_PROFILE || undefined);
  const owners = options.all
    ? await everyOwner(stores, context.flowDeps('file').tokens, Object.keys(config))
    : [validateProfileName(named ?? environmentSessionOf(context.deps.env)?.profile ?? DEFAULT_PROFILE)];

  let removedAnything = false;
  for (const owner of owners) {
    const profile = profileIn(config, owner);
    const flowDeps = context.flowDeps('file', { caFile: caFileSetting(context.deps.env, profile) });
    const result = await logout(flowDeps, owner, stores, profile?.discovery_url);
    for (const failure of result.revocationFailures) context.ui.warn(`could not revoke at the server: ${failure}; removed locally all the same`);
    const removed = [...result.removed].map(([where, count]) => `${count} item${count === 1 ? '' : 's'} from ${where}`);
    if (removed.length > 0) {
      removedAnything = true;
      const revoked = result.revokedRefreshTokens > 0 ? 'revoked the refresh token at the server, ' : '';
      context.ui.success(`Logged out of ${owner}: ${revoked}removed ${removed.join(' and ')}`);
      // Removed here is not revoked there: whoever holds a copy of the refresh token can still use it.
      const unrevoked = result.unrevokedRefreshTokens > 0;
      if (result.withoutRevocationEndpoint) {
        context.ui.info(
          `  Nothing was revoked on the server: its discovery document names no revocation endpoint${unrevoked ? ', so the refresh token may still work there until it expires' : ''}.`,
        );
      } else if (unrevoked) {
        context.ui.info('  The server did not revoke the refresh token: it may still work there until it expires.');
      }
      if (result.accessTokenValidUntil !== undefined) {
        context.ui.info(
          `  An access token issued before stays valid until it expires (${relativeTime(result.accessTokenValidUntil, context.deps.now())}): the API checks it without asking the server.`,
        );
      }
    }
  }
  const keychain = stores.find((store): store is KeychainStore => store instanceof KeychainStore);
  if (options.all && keychain) {
    const unfiled = await keychain.removeUnfiled();
    if (unfiled > 0) {
      removedAnything = true;
      context.ui.success(`Removed ${unfiled} keychain item${unfiled === 1 ? '' : 's'} an older ocs-auth stored`);
    }
  }
  // A profile removed from config.ini may still have had secrets: only a name that matched nothing is a typo.
  if (!removedAnything && !options.all && named !== undefined) requireProfile(named, config, context.configDir);
  if (!removedAnything) context.ui.info(options.all ? 'Nothing stored: no profile was logged in.' : `Profile "${owners[0]}" was not logged in.`);
}

/** `logout --all` wipes secrets whatever state config.ini is in: a broken file must not keep them. */
async function configIfReadable(context: CommandContext): Promise<ConfigFile> {
  try {
    return await context.loadConfig();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    context.ui.warn(`${error.message}; logging out of everything stored all the same`);
    return {};
  }
}

/** Both stores, wherever secrets may have been kept; a keychain that does not answer has nothing of ours to remove. */
async function reachableStores(context: CommandContext): Promise<SecretStore[]> {
  const stores: SecretStore[] = [new FileStore(context.configDir, (message) => context.ui.warn(message))];
  const keychain = keychainForFolder(context.configDir, context.stateDir, context.deps.env);
  try {
    await keychain.list();
    stores.unshift(keychain);
  } catch (error) {
    if (!(error instanceof KeychainUnavailableError)) throw error;
  }
  return stores;
}

async function everyOwner(stores: SecretStore[], tokens: TokenCache, profiles: string[]): Promise<string[]> {
  const owners = new Set(profiles);
  for (const store of stores) {
    for (const account of await store.list()) {
      const owner = accountOwner(account);
      if (owner) owners.add(owner);
    }
  }
  for (const { owner } of await tokens.list()) owners.add(owner);
  return [...owners];
}
