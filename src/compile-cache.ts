import module from 'node:module';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * Where Node may keep V8's compiled code for ocs-auth: the platform's per-user cache folder.
 * Node's own default is a folder in the shared temp directory, where another user could
 * plant code for ours to run, or fill it for us.
 */
export function compileCacheDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform, home: () => string = homedir): string {
  if (platform === 'win32') return join(env.LOCALAPPDATA || join(home(), 'AppData', 'Local'), 'ocs-auth', 'compile-cache');
  if (platform === 'darwin') return join(home(), 'Library', 'Caches', 'ocs-auth', 'compile-cache');
  // The XDG spec says to ignore a relative XDG_CACHE_HOME.
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(home(), '.cache'), 'ocs-auth', 'compile-cache');
}

/**
 * Node >= 22.1 keeps V8's compiled code between runs (scripts call `ocs-auth token` in
 * loops); it must be on before the CLI's own code loads. A cache is only ever a saving: no
 * home folder, a folder that cannot be made or NODE_DISABLE_COMPILE_CACHE leave it off, and
 * the command runs as it would without.
 */
export function enableCompileCache(env: NodeJS.ProcessEnv = process.env): void {
  try {
    // Absent on Node 20; there, and where a hook in NODE_OPTIONS replaces the module, nothing to do.
    const enable = (module as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache;
    enable?.(compileCacheDir(env));
  } catch {
    // See above: never a reason to fail a command.
  }
}
