// Bundles the CLI into dist/ with esbuild. One file per entry loads far faster than a tree
// of modules (ocs-auth token is called in loops). got, inquirer, the keychain binding and
// the browser opener stay outside the bundle and are imported only where they are needed;
// the code that imports them lazily becomes chunks of its own. Type-checking is tsc's job:
// npm run typecheck.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: ['src/main.ts', 'src/deps.ts'],
  outdir: 'dist',
  bundle: true,
  splitting: true,
  minify: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.12',
  external: ['got', '@inquirer/prompts', '@napi-rs/keyring', 'open'],
  // commander is CommonJS and calls require() for Node's own modules.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});
