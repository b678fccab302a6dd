import { readFile } from './fs-async.js';
import { join } from 'node:path';
import { writeFileAtomic } from './fs-atomic.js';
import { checkPrivateFile } from './private-path.js';

/** Non-secret data worth keeping between runs (discovery documents). Losing it costs a request, nothing more. */
export interface Cache {
  read(key: string): Promise<string | undefined>;
  write(key: string, value: string): Promise<void>;
}

export function fileCache(dir: string): Cache {
  const path = (key: string) => join(dir, `${key}.json`);
  return {
    async read(key) {
      // Not secret, but trusted: a discovery document names where secrets are sent.
      await checkPrivateFile(path(key), 'file');
      return readFile(path(key), 'utf8').catch(() => undefined);
    },
    write: (key, value) => writeFileAtomic(path(key), value, 0o644),
  };
}
