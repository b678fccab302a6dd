import { homedir } from 'node:os';
import { join } from 'node:path';

/** The platform's user config folder + /ocs-auth, unless OCS_AUTH_CONFIG_DIR says otherwise. */
export function configDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  if (env.OCS_AUTH_CONFIG_DIR) return env.OCS_AUTH_CONFIG_DIR;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'ocs-auth');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'ocs-auth');
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'ocs-auth');
}
