// The rooms of src/ and which way their imports may point (../shared/STYLE.md): every arrow
// points down, so a newcomer reads the layers from the tree, and a change in one room cannot
// pull a higher one into a lower one's start-up or tests.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

type Room = 'program' | 'commands' | 'cli' | 'flows' | 'config' | 'store' | 'errors';

/** What each room is for, and the rooms it may import besides itself. */
const ROOMS: Record<Room, { holds: string; mayImport: Room[] }> = {
  program: { holds: 'start.ts (what bin/ runs: a cached token, else main), main.ts (a plain `token` run, or the commands registered with commander; errors turned into exit codes), process-deps.ts, compile-cache.ts', mayImport: ['commands', 'cli', 'flows', 'config', 'store', 'errors'] },
  commands: { holds: 'one file per command, its options and the Deps contract; reads like --help', mayImport: ['cli', 'flows', 'config', 'store', 'errors'] },
  cli: { holds: 'the terminal: streams and TTY checks, messages and colour, prompts, spinner, time formats', mayImport: ['config', 'errors'] },
  flows: { holds: 'the protocols, the HTTP client and browser opener they are handed; never print, never exit', mayImport: ['config', 'store', 'errors'] },
  config: { holds: 'config.ini, settings resolution, sample imports, the config folder', mayImport: ['store', 'errors'] },
  store: { holds: 'everything persisted: secret stores, token and discovery caches, locks, atomic writes; never HTTP', mayImport: ['errors'] },
  errors: { holds: 'one error class per exit code', mayImport: [] },
};

const src = fileURLToPath(new URL('../src', import.meta.url));

function roomOf(file: string): Room {
  const [first, ...rest] = relative(src, file).split(sep);
  if (rest.length === 0) return first === 'errors.ts' ? 'errors' : 'program';
  if (!(first! in ROOMS)) assert.fail(`${file} is in src/${first}, which is no room: add it to ROOMS with what it holds`);
  return first as Room;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = await Promise.all(entries.map((entry) => (entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : [join(dir, entry.name)])));
  return files.flat().filter((file) => file.endsWith('.ts'));
}

test('every import in src/ points to the same room or one it may import', async () => {
  const wrong: string[] = [];
  for (const file of await sourceFiles(src)) {
    const from = roomOf(file);
    for (const [, specifier] of (await readFile(file, 'utf8')).matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = normalize(join(dirname(file), specifier!)).replace(/\.js$/, '.ts');
      const to = roomOf(target);
      if (to !== from && !ROOMS[from].mayImport.includes(to)) wrong.push(`${relative(src, file)} (${from}) imports ${relative(src, target)} (${to})`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('the check sees the rooms it guards', async () => {
  const rooms = new Set((await sourceFiles(src)).map(roomOf));
  assert.deepEqual([...rooms].sort(), Object.keys(ROOMS).sort());
});
