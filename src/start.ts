import { printTo } from './cli/io.js';
import { tokenFromCache } from './commands/token-from-cache.js';

/**
 * What bin/ runs: one invocation of the CLI, its exit code as the result. A cached token is
 * served before the rest of the program is loaded (scripts call `ocs-auth token` in loops);
 * everything else, and whatever the cache cannot answer, goes to main().
 */
export async function start(argv: string[]): Promise<number> {
  const print = (text: string) => printTo(1, () => process.stdout, text);
  if (argv[0] === 'token' && (await tokenFromCache(argv.slice(1), { env: process.env, now: () => Date.now(), print }))) return 0;
  const { main } = await import('./main.js');
  const { processDeps } = await import('./process-deps.js');
  return main(argv, processDeps());
}
