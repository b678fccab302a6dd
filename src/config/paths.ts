import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The user's home folder. os.homedir() answers $HOME wherever it is set, but on Windows:
 * reading it here spares a cached `token` loading node:os (scripts/build.mjs).
 */
export function homeFolder(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  return (platform !== 'win32' && env.HOME) || homedir();
}

/** The platform's user config folder + /ocs-auth, unless OCS_AUTH_CONFIG_DIR says otherwise. */
export function configDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform, home: () => string = () => homeFolder(env, platform)): string {
  if (env.OCS_AUTH_CONFIG_DIR) return env.OCS_AUTH_CONFIG_DIR;
  // `||`: an APPDATA set but empty (a scrubbed service environment) would make the path relative.
  if (platform === 'win32') return join(env.APPDATA || join(home(), 'AppData', 'Roaming'), 'ocs-auth');
  if (platform === 'darwin') return join(home(), 'Library', 'Application Support', 'ocs-auth');
  return join(env.XDG_CONFIG_HOME || join(home(), '.config'), 'ocs-auth');
}

/**
 * Where cached tokens, the discovery cache and the refresh locks live. Windows keeps such
 * machine-bound state in %LOCALAPPDATA%: %APPDATA% roams with the user's profile to other
 * machines (and is copied at every sign-in), which suits config.ini but not caches and locks.
 * Elsewhere, and whenever OCS_AUTH_CONFIG_DIR names a folder, it is the config folder.
 */
export function stateDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform, home: () => string = () => homeFolder(env, platform)): string {
  if (platform !== 'win32' || env.OCS_AUTH_CONFIG_DIR) return configDir(env, platform, home);
  return join(env.LOCALAPPDATA || join(home(), 'AppData', 'Local'), 'ocs-auth');
}
