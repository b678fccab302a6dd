import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import vm from 'node:vm';
import { homeFolder } from './config/paths.js';

/**
 * Where Node may keep V8's compiled code for ocs-auth: the platform's per-user cache folder.
 * Node's own default is a folder in the shared temp directory, where another user could
 * plant code for ours to run, or fill it for us.
 */
export function compileCacheDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform, home: () => string = homeFolder): string {
  if (platform === 'win32') return join(env.LOCALAPPDATA || join(home(), 'AppData', 'Local'), 'ocs-auth', 'compile-cache');
  if (platform === 'darwin') return join(home(), 'Library', 'Caches', 'ocs-auth', 'compile-cache');
  // The XDG spec says to ignore a relative XDG_CACHE_HOME.
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(home(), '.cache'), 'ocs-auth', 'compile-cache');
}

declare const __OCS_AUTH_BUILD_ID__: string | undefined;

/**
 * Node's CommonJS loader (the class of every CommonJS module, `module.constructor`), with the
 * parts of it used here. Node 20 sets up its ESM loader when node:module is first required
 * (~1 ms), and nothing else on a cached token's path needs that, so bin/ hands the class in.
 */
export type ModuleLoader = {
  prototype: { _compile(this: CachedModule, content: string, filename: string, ...rest: unknown[]): unknown };
  wrap(content: string): string;
  createRequire(filename: string): unknown;
};
type CachedModule = { exports: unknown };

/**
 * Keeps V8's compiled code for the files under `codeDir` between runs (scripts call
 * `ocs-auth token` in loops, and compiling the CLI is a good part of each start). It must be
 * on before those files load. The CommonJS loader is taught to, for `codeDir` only. Node
 * >= 22.1 can do it itself (module.enableCompileCache), but only once node:module is loaded,
 * and a cached token then cost more on Node 22 and 24 than with this cache (~1.5 ms). A cache
 * is only ever a saving: no home folder, a folder that cannot be made, a rejected entry or
 * NODE_DISABLE_COMPILE_CACHE leave it off, and the command runs as it would without.
 */
export function enableCompileCache(codeDir: string, Module: ModuleLoader, env: NodeJS.ProcessEnv = process.env): void {
  try {
    // Set by scripts/build.mjs: a digest of dist/, so that no build reads another's entries.
    if (env.NODE_DISABLE_COMPILE_CACHE || typeof __OCS_AUTH_BUILD_ID__ !== 'string') return;
    cacheCompiledCode(codeDir, Module, join(compileCacheDir(env), `ocs-auth-${__OCS_AUTH_BUILD_ID__}-node-${process.version}-${process.arch}`));
  } catch {
    // See above: never a reason to fail a command.
  }
}

function cacheCompiledCode(codeDir: string, Module: ModuleLoader, cacheDir: string): void {
  const compile = Module.prototype._compile;
  const produced: Array<{ script: vm.Script; file: string }> = [];
  Module.prototype._compile = function (content, filename, ...rest) {
    const name = relative(codeDir, filename);
    // import() fails in code that node:vm read from a cache (Node 20), and asking node:vm for
    // it prints an experimental warning: files that use it compile as usual.
    // Newer Nodes pass more arguments (the module format): handed on untouched.
    if (name.startsWith('..') || isAbsolute(name) || /\bimport\(/.test(content)) return compile.call(this, content, filename, ...rest);
    const file = join(cacheDir, name.split(sep).join('+'));
    let cachedData: Buffer | undefined;
    try {
      cachedData = readFileSync(file);
    } catch {
      // Not cached yet.
    }
    const script = new vm.Script(Module.wrap(content), {
      filename,
      ...(cachedData ? { cachedData } : {}),
    });
    if (!cachedData || script.cachedDataRejected) produced.push({ script, file });
    const wrapper = script.runInThisContext() as (...args: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, Module.createRequire(filename), this, filename, dirname(filename));
  };
  // At exit the cache holds the functions this run compiled too, not only the top level.
  process.once('exit', () => {
    for (const { script, file } of produced) {
      const temporary = `${file}.${process.pid}.tmp`;
      try {
        mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
        writeFileSync(temporary, script.createCachedData(), { mode: 0o600 });
        renameSync(temporary, file);
      } catch {
        try {
          rmSync(temporary, { force: true });
        } catch {
          // An exit handler that throws would change the exit code.
        }
      }
    }
  });
}
