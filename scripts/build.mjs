// Bundles the CLI into dist/ with esbuild. Scripts call `ocs-auth token` in loops, so start-up
// is most of its cost, and what costs most is loading modules:
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
import { readFileSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { build } from 'esbuild';

const KEEP_EXTERNAL = {
  '@napi-rs/keyring': 'a native binding, installed per platform through optionalDependencies',
  open: 'runs the xdg-open script it ships, which it finds next to its own files',
};

const root = new URL('..', import.meta.url);
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

rmSync(new URL('dist', root), { recursive: true, force: true });
await build({
  ...common,
  stdin: {
    contents: "export { main } from './src/main.ts'; export { processDeps } from './src/deps.ts';",
    resolveDir: common.absWorkingDir,
    loader: 'ts',
    sourcefile: 'cli.ts',
  },
  outfile: 'dist/main.cjs',
  // src/ is ESM and finds package.json through import.meta.url.
  define: { 'import.meta.url': '__importMetaUrl' },
  banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [vendorFiles],
});
// Turned on before main.cjs loads, so that its own compilation is cached too.
await build({ ...common, entryPoints: ['src/compile-cache.ts'], outfile: 'dist/compile-cache.cjs' });
await Promise.all(
  [...vendored].map((specifier) =>
    build({
      ...common,
      entryPoints: [specifier],
      outfile: `dist/vendor/${specifier}.cjs`,
      external: Object.keys(KEEP_EXTERNAL),
    }),
  ),
);
