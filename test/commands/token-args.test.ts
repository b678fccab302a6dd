// `token` reads its arguments without commander where they are plain (src/commands/token-args.ts).
// Whatever that reading accepts, commander must accept too and read the same way; what it
// declines goes to commander, which then gives help or the error. Held here for arguments made from every
// option `token` declares, so an option added to `token` shows up in these arguments by itself.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CommanderError } from 'commander';
import type { Deps } from '../../src/commands/deps.ts';
import { parseTokenArgs } from '../../src/commands/token-args.ts';
import { createProgram } from '../../src/main.ts';

const RUNS = { numRuns: 3000 };

/** The options commander hands `token`'s action for `args`, or the error it ends with instead. */
function commanderReading(args: string[]): { options: Record<string, unknown> } | { error: string } {
  const quiet = { version: '0.0.0', io: { stdout: { write: () => true }, stderr: { write: () => true } } } as unknown as Deps;
  const program = createProgram(['token', ...args], quiet, { exitCode: 0 });
  let options: Record<string, unknown> | undefined;
  program.commands.find((command) => command.name() === 'token')!.action((parsed: Record<string, unknown>) => {
    options = { ...parsed };
  });
  try {
    program.parse(['token', ...args], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return { error: error.code };
    throw error;
  }
  assert.ok(options, `commander ran no action for ${JSON.stringify(args)}`);
  return { options };
}

function tokenOptionNames(): string[] {
  const quiet = { version: '0.0.0' } as unknown as Deps;
  const token = createProgram(['token'], quiet, { exitCode: 0 }).commands.find((command) => command.name() === 'token')!;
  return token.options.flatMap((option) => [option.long, option.short]).filter((name): name is string => name !== undefined);
}

const OPTION_NAMES = tokenOptionNames();
const VALUES = ['file', 'keychain', 'fish', 'bash', 'powershell', 'csh', '', '0', '300', '-1', '10s', '1e3', 'prod', 'default', 'https://example.com', 'v1', '-', '--', '-p', '--json', '=x'];
const OTHERS = ['--bogus', '-v', '--verbose', '--no-color', '-h', '--help', '--version', '--', 'extra', '-x', '-pfile', '--no-json'];

const argument = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...OPTION_NAMES) },
  { weight: 3, arbitrary: fc.constantFrom(...VALUES) },
  { weight: 1, arbitrary: fc.constantFrom(...OTHERS) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...OPTION_NAMES.filter((name) => name.startsWith('--'))), fc.constantFrom(...VALUES)).map(([name, value]) => `${name}=${value}`) },
  { weight: 1, arbitrary: fc.constantFrom(...VALUES).map((value) => `-p${value}`) },
);

const VALUED_NAMES = OPTION_NAMES.filter((name) => !['--pkce', '--client-credentials', '--device-code', '--force', '--export', '--header', '--json'].includes(name));
/** An option given twice, as scripts that add to a base command line do: commander checks each value. */
const repeated = fc
  .tuple(fc.constantFrom(...VALUED_NAMES), fc.constantFrom(...VALUES), fc.constantFrom(...VALUES))
  .map(([name, first, second]) => [name, first, name, second]);
const commandLine = fc
  .tuple(fc.array(argument, { maxLength: 4 }), fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: repeated }), fc.array(argument, { maxLength: 2 }))
  .map(([before, twice, after]) => [...before, ...twice, ...after]);

test('the check covers every option token declares', () => {
  for (const name of ['--client-credentials', '--pkce', '--device-code', '-p', '--profile', '--min-validity', '--force', '--shell', '--export', '--header', '--json', '--storage']) {
    assert.ok(OPTION_NAMES.includes(name), `${name} in ${OPTION_NAMES.join(' ')}`);
  }
});

test('whatever token-args accepts, commander reads the same way', () => {
  let accepted = 0;
  fc.assert(
    fc.property(commandLine, (args) => {
      const fast = parseTokenArgs(args);
      if (fast === undefined) return;
      accepted += 1;
      assert.deepEqual(commanderReading(args), { options: fast }, JSON.stringify(args));
    }),
    RUNS,
  );
  // A parser that declines everything would pass the property: it must take a good share.
  assert.ok(accepted > RUNS.numRuns / 20, `accepted ${accepted} of ${RUNS.numRuns}`);
});

test("what scripts write is read without commander, as commander reads it", () => {
  const plain = [
    [],
    ['--client-credentials'],
    ['--pkce', '-p', 'prod'],
    ['--profile=prod', '--json'],
    ['-pprod', '--header'],
    ['--export'],
    ['--shell', 'fish'],
    ['--export', '--shell=powershell'],
    ['--min-validity', '600', '--device-code'],
    ['--force', '--client-credentials'],
    ['--resource', 'https://uswe.datahub.connect.aveva.com', '--tenant-id', 't', '--client-id', 'c', '--storage', 'file'],
    ['--account-id', 'a', '--discovery-url', 'https://example.com/.well-known/openid-configuration', '--api-version', 'v1'],
    ['--'],
  ];
  for (const args of plain) {
    const fast = parseTokenArgs(args);
    assert.ok(fast, `read: ${JSON.stringify(args)}`);
    assert.deepEqual(commanderReading(args), { options: fast }, JSON.stringify(args));
  }
});

test('help, errors and global flags go to commander', () => {
  const declined = [
    ['--help'],
    ['-h'],
    ['-v'],
    ['--no-color'],
    ['--bogus'],
    ['extra'],
    ['--storage', 'vault'],
    ['--shell', 'csh'],
    ['--min-validity', '10s'],
    ['--min-validity', '-1'],
    ['--pkce', '--client-credentials'],
    ['--json', '--header'],
    ['--shell', 'sh', '--json'],
    ['--profile'],
    // commander reads a profile named "--json" here; token-args leaves that to it.
    ['--profile', '--json'],
    // parseArgs keeps the last value only, where commander refuses the first.
    ['--shell', 'csh', '--shell', 'fish'],
    ['--storage', 'vault', '--storage', 'file'],
    ['--min-validity', '10s', '--min-validity', '300'],
  ];
  for (const args of declined) assert.equal(parseTokenArgs(args), undefined, JSON.stringify(args));
});
