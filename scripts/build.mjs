// Bundles the CLI into dist/ with esbuild. Scripts call `ocs-auth token` in loops, so start-up
// is most of its cost, and what costs most is loading modules:
// - dist/start.cjs is what bin/ runs: src/start.ts, which serves a cached token with the few
//   modules that takes, and requires dist/main.cjs for everything else.
// - dist/main.cjs holds all of src/ in one CommonJS file. CommonJS, because Node's ESM loader
//   costs several milliseconds per start that require() does not (resolving each file, and a
//   facade over every built-in module that touches all its lazy getters). Code that src/
//   imports with import() is wrapped, so it runs only when first needed.
// - Every other dependency is bundled into dist/vendor/<package>.cjs, one file each, required
//   only where src/ imports it: got (the HTTP stack) and the prompts load only for the
//   commands that need them. Any pure-JS dependency added later is bundled the same way, so
//   users run the versions the tests ran, not whatever npm resolves for them: such packages
//   belong in devDependencies.
// - Only KEEP_EXTERNAL stays in node_modules, and those are package.json's `dependencies`.
// Type-checking is tsc's job: npm run typecheck.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const KEEP_EXTERNAL = {
  '@napi-rs/keyring': 'a native binding, installed per platform through optionalDependencies',
  open: 'runs the xdg-open script it ships, which it finds next to its own files',
};

const root = new URL('..', import.meta.url);
const requireForBuild = createRequire(import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
const declared = Object.keys(manifest.dependencies ?? {}).sort();
const external = Object.keys(KEEP_EXTERNAL).sort();
if (declared.join() !== external.join()) {
  const bundled = declared.filter((name) => !(name in KEEP_EXTERNAL));
  const undeclared = external.filter((name) => !declared.includes(name));
  throw new Error(
    [
      ...bundled.map((name) => `${name} is bundled into dist/, so npm users must not install it: move it to devDependencies (or, if it cannot be bundled, add it to KEEP_EXTERNAL in scripts/build.mjs, saying why).`),
      ...undeclared.map((name) => `${name} stays external (KEEP_EXTERNAL), so it must be in dependencies.`),
    ].join('\n'),
  );
}

/**
 * Modules that the CLI or a bundled dependency requires as it loads but uses only on request:
 * a stand-in loads the real module when one of its exports is first read. Name each with the
 * reason. The stand-in has the exports of the Node that builds: a module whose exports a
 * dependency tests for as it loads cannot be here (got's decompress-response looks for
 * node:zlib's zstd, which Node 20 lacks and Node 24 has).
 */
const LOAD_ON_FIRST_USE = {
  // commander (for subcommands in files of their own, which ocs-auth has none of) and exec
  // spawn processes; loading it (and node:net with it) costs every `ocs-auth token` ~1 ms.
  'node:child_process': 'commander and exec, to spawn',
  // @noble/hashes' utilities load node:crypto for random bytes, which ocs-auth never asks
  // them for; its SHA-256 checks an env-only session's cached token, where node:crypto would
  // cost ~5 ms.
  '@noble/hashes/crypto': '@noble/hashes, for random bytes only',
  // `token` as scripts write it is read without commander (src/commands/token-args.ts): a new
  // token loads commander only to report an error (~4 ms).
  commander: 'every command line but a plain `token`',
  // A new token from a plain-http server (the emulator, the bench) needs no TLS; through no
  // proxy, no hpagent, which loads node:https as it loads (~1.5 ms together).
  hpagent: 'proxies',
  'node:https': 'https:// URLs',
  'node:tls': 'https:// URLs',
  // The Ui styles only what it prints, and ini reads only a config.ini that exists: a cached
  // `token` in env-only mode needs neither (~2.5 ms together).
  chalk: 'the Ui, for messages',
  ini: 'config.ini, when there is one',
  // Node's own modules that a cached `token` never uses, but that modules on its path import:
  // each sets up a family of Node internals as it is first required. node:fs/promises loads
  // a dozen (readline among them: ~3 ms); the hot path reads with node:fs instead.
  'node:fs/promises': 'sample imports, CA files and api bodies (src/store uses fs-async.ts)',
  // Only `api` pipes a body; node:stream/promises alone sets up Node's stream machinery (~5 ms).
  'node:stream/promises': 'api, to stream a body',
  'node:timers/promises': 'lock waits and retries, to sleep',
  // The home folder is $HOME where it is set (src/config/paths.ts): node:os is left for
  // Windows, lock owners' host names and exec's signal numbers (~0.5 ms).
  'node:os': 'the home folder without $HOME, host names and signal numbers',
  // Random bytes and hashes for writes, locks and logins. A new token loads TLS, which needs
  // only part of it; the whole module is another ~9 internal modules.
  'node:crypto': 'random bytes and hashes, for writes, locks and logins',
};

/**
 * Vendored modules of which src/ uses a few exports among many: only those are bundled, and
 * whatever else the module sets up as it loads is left out. Name each with the reason.
 */
const ONLY_EXPORTS = {
  // SHA-256 checks an env-only session's cached token; the module's SHA-384/512 tables (BigInt
  // arithmetic as it loads) would cost every such `token` ~2 ms.
  '@noble/hashes/sha2': ['sha256'],
};

/**
 * Made on first use in the vendored bundles: @sindresorhus/is (got's argument checks) makes
 * two Intl.ListFormat as it loads, to word one error message, and setting up ICU for them
 * costs each new token ~17 ms. The build fails if a vendored file still makes one at load.
 */
const INTL_ON_FIRST_USE = {
  define: { 'Intl.ListFormat': 'LazyListFormat' },
  inject: ['scripts/lazy-list-format.mjs'],
};

/**
 * Packages that a vendored dependency imports for features ocs-auth never uses: left out of
 * dist/. Each export is one function that fails, naming the package, when called or
 * constructed; it carries the real exports' names too, for packages used as namespaces.
 * Never loaded, they would still be read and compiled with the file that holds them, and
 * each new token would pay for it (~2 ms for the first two, a third of got's bundle). Name each
 * with what it serves.
 */
const LEFT_OUT = {
  'http2-wrapper': "got's HTTP/2 (the http2 option), which ocs-auth never asks for",
  'cacheable-request': "got's HTTP cache (the cache option), which ocs-auth never sets",
  // It sets up node:dns as it loads (~1.5 ms of each new token).
  'cacheable-lookup': "got's DNS cache (the dnsCache option), which ocs-auth never sets",
};

/**
 * got gives every request an id for its diagnostics channel, which ocs-auth never listens to,
 * from node:crypto's randomUUID: loading node:crypto for it cost each new token ~2 ms. In got's
 * bundle, that one import takes src/store/random-ids.ts's randomUUID instead. If got moves it,
 * test/e2e/startup.test.ts fails: a new token must not load node:crypto.
 */
const gotRequestIds = {
  name: 'got-request-ids',
  setup(build) {
    const randomIds = fileURLToPath(new URL('src/store/random-ids.ts', root));
    build.onResolve({ filter: /^node:crypto$/ }, ({ importer }) =>
      /[/\\]got[/\\]dist[/\\]source[/\\]core[/\\]diagnostics-channel\.js$/.test(importer) ? { path: randomIds } : undefined,
    );
  },
};

/**
 * Vendored packages bundled from their `module` entry rather than `main`. jsonc-parser's main
 * is a UMD file whose factory require()s its own parts through a parameter esbuild does not
 * follow (dist/ then fails with "Cannot find module './impl/format'"); its module entry is
 * the same code as ES modules.
 */
const MODULE_ENTRY = new Set(['jsonc-parser']);

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const common = {
  bundle: true,
  minify: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20.12',
  absWorkingDir: new URL('.', root).pathname,
  // Only the versions in package-lock.json: never a copy found further up the tree.
  nodePaths: [],
  logLevel: 'warning',
};

/** Bare imports from src/: each package becomes its own file in dist/vendor/, loaded where src/ imports it. */
const vendored = new Set();
const vendorFiles = {
  name: 'vendor-files',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, ({ path, kind }) => {
      if (kind === 'entry-point' || isBuiltin(path)) return undefined;
      if (packageName(path) in KEEP_EXTERNAL) return { path, external: true };
      vendored.add(path);
      return { path, namespace: 'vendor' };
    });
    // A stand-in module between src/ and the vendored file. src/ is ESM under "type": "module",
    // and esbuild then gives a default import Node's CommonJS meaning (module.exports) even for
    // a file that esbuild itself compiled from ESM (got); from here, with no package type, a
    // default import is that file's own default export, or module.exports for a CommonJS package.
    build.onLoad({ filter: /.*/, namespace: 'vendor' }, ({ path }) => {
      const file = JSON.stringify(`./vendor/${path}.cjs`);
      return { contents: `export * from ${file}; export { default } from ${file};`, loader: 'js' };
    });
    build.onResolve({ filter: /^\.\/vendor\//, namespace: 'vendor' }, ({ path }) => ({ path, external: true }));
  },
};

const leftOut = {
  name: 'left-out',
  setup(build) {
    const filter = new RegExp(`^(${Object.keys(LEFT_OUT).join('|')})$`);
    build.onResolve({ filter }, ({ path }) => ({ path, namespace: 'left-out' }));
    build.onLoad({ filter: /.*/, namespace: 'left-out' }, async ({ path }) => {
      // Its real exports (read here, at build time): named imports of it still resolve.
      const real = await import(path);
      const names = Object.keys(real).filter((name) => name !== 'default');
      // A function's own name, length and prototype cannot be assigned.
      const statics = Object.keys(real.default ?? {}).filter((name) => !Object.hasOwn(function leftOut() {}, name));
      const message = JSON.stringify(`${path} is left out of ocs-auth's bundle: it serves ${LEFT_OUT[path]} (scripts/build.mjs)`);
      return {
        contents: [
          `function leftOut() { throw new Error(${message}); }`,
          ...statics.map((name) => `leftOut[${JSON.stringify(name)}] = leftOut;`),
          'export default leftOut;',
          ...names.map((name) => `export const ${name} = leftOut;`),
        ].join('\n'),
        loader: 'js',
      };
    });
  },
};

const loadOnFirstUse = {
  name: 'load-on-first-use',
  setup(build) {
    const filter = new RegExp(`^(${Object.keys(LOAD_ON_FIRST_USE).join('|').replace(/[.*+?^${}()[\]\\\/]/g, '\\$&')})$`);
    build.onResolve({ filter }, async ({ path, resolveDir, kind, pluginData, namespace }) => {
      if (pluginData === 'real' || namespace === 'load-on-first-use') return undefined;
      const real = await build.resolve(path, { resolveDir, kind, pluginData: 'real' });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: real.path, namespace: 'load-on-first-use' };
    });
    // The stand-in has the real module's keys (read here, at build time), each a getter that
    // loads the real module: esbuild's import helpers copy keys as getters, so named, default
    // and namespace imports and plain require() all stay lazy.
    build.onLoad({ filter: /.*/, namespace: 'load-on-first-use' }, ({ path }) => ({
      contents: `let real;
const load = () => (real ??= require(${JSON.stringify(path)}));
for (const key of ${JSON.stringify(Object.keys(requireForBuild(path)))}) Object.defineProperty(module.exports, key, { enumerable: true, get: () => load()[key] });`,
      loader: 'js',
      resolveDir: '/',
    }));
  },
};

rmSync(new URL('dist', root), { recursive: true, force: true });
const cli = await build({
  ...common,
  stdin: {
    contents: "export { main } from './src/main.ts'; export { processDeps } from './src/process-deps.ts';",
    resolveDir: common.absWorkingDir,
    loader: 'ts',
    sourcefile: 'cli.ts',
  },
  outfile: 'dist/main.cjs',
  // src/ is ESM and finds package.json through import.meta.url.
  define: { 'import.meta.url': '__importMetaUrl' },
  banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [loadOnFirstUse, vendorFiles],
  metafile: true,
  write: false,
});
// On Node < 22.1, dist/compile-cache.cjs compiles these files with node:vm, where import()
// fails once the code comes from the cache. So main.cjs imports through dist/import.cjs,
// which that cache leaves alone (as it does any file that still says `import(`).
const dynamicImports = Object.values(cli.metafile.outputs).flatMap((output) => output.imports.filter((entry) => entry.kind === 'dynamic-import' && entry.external).map((entry) => entry.path));
let mainCode = cli.outputFiles[0].text;
for (const specifier of new Set(dynamicImports)) mainCode = mainCode.replaceAll(`import(${JSON.stringify(specifier)})`, `__import(${JSON.stringify(specifier)})`);
mkdirSync(new URL('dist', root));
writeFileSync(new URL('dist/main.cjs', root), `const __import = require('./import.cjs');\n${mainCode}`);

/**
 * src/start.ts: its import() of the program becomes a require() of main.cjs (no ESM loader);
 * its import() of its own modules stays in this file, as in main.cjs.
 */
const PROGRAM_MODULES = /^\.\/(main|process-deps)\.js$/;
const programOnFirstUse = {
  name: 'program-on-first-use',
  setup(build) {
    const start = fileURLToPath(new URL('src/start.ts', root));
    build.onResolve({ filter: PROGRAM_MODULES }, ({ importer }) => (importer === start ? { path: './main.cjs', external: true } : undefined));
  },
};
await build({
  ...common,
  entryPoints: ['src/start.ts'],
  outfile: 'dist/start.cjs',
  supported: { 'dynamic-import': false },
  plugins: [programOnFirstUse, loadOnFirstUse, vendorFiles],
});
writeFileSync(new URL('dist/import.cjs', root), "'use strict';\n// See scripts/build.mjs.\nmodule.exports = (specifier) => import(specifier);\n");
await Promise.all(
  [...vendored].map((specifier) =>
    build({
      ...common,
      ...(specifier in ONLY_EXPORTS
        ? { stdin: { contents: `export { ${ONLY_EXPORTS[specifier].join(', ')} } from ${JSON.stringify(specifier)};`, resolveDir: common.absWorkingDir, sourcefile: specifier } }
        : { entryPoints: [specifier] }),
      outfile: `dist/vendor/${specifier}.cjs`,
      ...(MODULE_ENTRY.has(packageName(specifier)) ? { mainFields: ['module', 'main'] } : {}),
      external: Object.keys(KEEP_EXTERNAL),
      plugins: [leftOut, gotRequestIds, loadOnFirstUse],
      ...INTL_ON_FIRST_USE,
    }),
  ),
);
for (const specifier of vendored) {
  if (/new Intl\.ListFormat\(/.test(readFileSync(new URL(`dist/vendor/${specifier}.cjs`, root), 'utf8'))) throw new Error(`dist/vendor/${specifier}.cjs makes an Intl.ListFormat as it loads: see INTL_ON_FIRST_USE`);
}

// Loaded before main.cjs, so that main.cjs's own compilation is cached too. On Node < 22.1 its
// cache entries are named by this digest of the code, which costs nothing at run time.
const digest = createHash('sha256');
for (const file of readdirSync(new URL('dist', root), { recursive: true }).sort()) {
  const path = new URL(`dist/${file}`, root);
  if (statSync(path).isFile()) digest.update(`${file}\0`).update(readFileSync(path)).update('\0');
}
await build({
  ...common,
  entryPoints: ['src/compile-cache.ts'],
  outfile: 'dist/compile-cache.cjs',
  plugins: [loadOnFirstUse],
  define: { __OCS_AUTH_BUILD_ID__: JSON.stringify(digest.digest('hex').slice(0, 16)) },
});
