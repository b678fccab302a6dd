// `ocs-auth token` when the cache holds the answer, without the rest of the CLI: scripts call
// it in loops, and loading the whole program was most of such a call's cost. It serves only
// the plain case. For anything else (arguments token-args.ts leaves to commander, --force,
// settings that do not resolve, no fresh token) it declines without a word, and the whole CLI
// runs the command from the start, so every message and exit code stays the program's.
import { loadConfigFile } from '../config/config-file.js';
import { configDir, stateDir } from '../config/paths.js';
import { type CompleteSettings, requireComplete } from '../config/settings.js';
import { cachedAccessToken, tokenRequest } from '../flows/cached-token.js';
import type { StoredToken } from '../flows/stored-token.js';
import { fileTokenCache } from '../store/token-cache.js';
import { settingFlags, settingsFrom } from './context.js';
import { parseTokenArgs, type TokenOptions } from './token-args.js';
import { formatToken, tokenFormat } from './token-output.js';

export interface TokenFromCacheDeps {
  env: NodeJS.ProcessEnv;
  /** Epoch milliseconds. */
  now(): number;
  /** Writes the token to stdout. */
  print(text: string): void;
}

/** True when the token was printed; false when the whole CLI must run the command. */
export async function tokenFromCache(args: string[], deps: TokenFromCacheDeps): Promise<boolean> {
  const options = parseTokenArgs(args);
  if (options === undefined || options.force) return false;
  // An error here is the whole CLI's to meet again and report.
  const found = await cachedToken(options, deps).catch(() => undefined);
  if (found === undefined) return false;
  deps.print(formatToken(tokenFormat(options), found.token, found.settings, deps.now()));
  return true;
}

async function cachedToken(options: TokenOptions, deps: TokenFromCacheDeps): Promise<{ settings: CompleteSettings; token: StoredToken } | undefined> {
  const dir = configDir(deps.env);
  const settings = requireComplete(settingsFrom(await loadConfigFile(dir), settingFlags(options), deps.env, dir));
  // Ignored variables are named on stderr, which is the whole CLI's to write.
  if (settings.ignoredVariables.length > 0) return undefined;
  const token = await cachedAccessToken({ tokens: fileTokenCache(stateDir(deps.env)), now: deps.now }, tokenRequest(options, settings, deps.env));
  return token === undefined ? undefined : { settings, token };
}
