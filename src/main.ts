import { Command, CommanderError } from 'commander';
import * as api from './commands/api.js';
import * as completion from './commands/completion.js';
import * as configure from './commands/configure.js';
import * as exec from './commands/exec.js';
import * as login from './commands/login.js';
import * as logout from './commands/logout.js';
import * as status from './commands/status.js';
import * as token from './commands/token.js';
import * as whoami from './commands/whoami.js';
import { createContext, type GlobalOptions } from './commands/context.js';
import { parseTokenArgs } from './commands/token-args.js';
import type { Outcome, Register } from './commands/register.js';
import type { Deps } from './commands/deps.js';
import { InterruptedError, type InterruptSignal, OcsAuthError } from './errors.js';
import { wantsColor } from './cli/io.js';
import { Ui } from './cli/ui.js';
import { closest } from './cli/suggest.js';
import { EXIT_STATUS_HELP } from './commands/options.js';

const COMMANDS: Record<string, Register> = {
  configure: configure.register,
  login: login.register,
  token: token.register,
  whoami: whoami.register,
  status: status.register,
  logout: logout.register,
  exec: exec.register,
  api: api.register,
  completion: completion.register,
};

/**
 * The commands this run needs: the one it names, so that `token` in a script's loop does not
 * build eight others (~2 ms); all of them for help, a typo to suggest a name for, and the
 * completion scripts, which describe them all.
 */
function commandsFor(argv: string[]): Register[] {
  const named = argv.find((arg) => !arg.startsWith('-'));
  return named !== undefined && named !== 'completion' && Object.hasOwn(COMMANDS, named) ? [COMMANDS[named]!] : Object.values(COMMANDS);
}

/** Runs one CLI invocation and returns its exit code; never calls process.exit. */
export async function main(argv: string[], processDeps: Deps): Promise<number> {
  const outcome: Outcome = { exitCode: 0 };
  const interruption = catchInterrupts(processDeps);
  const deps = interruption.deps;
  // `token` as scripts write it needs nothing of commander, whose loading is a good part of
  // a new token's start-up: token-args.ts reads it as commander would.
  const tokenOptions = argv[0] === 'token' ? parseTokenArgs(argv.slice(1)) : undefined;
  let program: Command | undefined;
  try {
    if (tokenOptions !== undefined) {
      await token.run(tokenOptions, createContext(deps, {}));
      return outcome.exitCode;
    }
    program = createProgram(argv, deps, outcome);
    // Bare `ocs-auth` (global flags at most) asks what there is: help on stdout, exit 0, as gh does.
    if (argv.every((arg) => GLOBAL_FLAGS.includes(arg))) {
      program.outputHelp();
      return 0;
    }
    await program.parseAsync(argv, { from: 'user' });
    return outcome.exitCode;
  } catch (error) {
    // After SIGINT/SIGTERM, whatever failed failed because of it: say so, with 130/143.
    const signal = interruption.received();
    const reported = signal
      ? new InterruptedError(error instanceof InterruptedError ? error.message : `interrupted by ${signal}`, { signal, cause: error })
      : error;
    const globals: GlobalOptions = program?.opts() ?? {};
    return reportError(reported, deps, Boolean(globals.verbose), globals.color === false);
  } finally {
    interruption.stop();
  }
}

const GLOBAL_FLAGS = ['-v', '--verbose', '--no-color'];

const TOP_LEVEL_HELP = [
  '',
  'Examples:',
  '  ocs-auth configure                          # a profile: resource, tenant or account, client, flow',
  '  ocs-auth login                              # browser login, device code or client secret, as the profile says',
  '  TOKEN=$(ocs-auth token)                     # a valid token, cached while fresh',
  "  ocs-auth api 'Tenants/{tenant}'             # an authenticated request",
  '  ocs-auth exec -- python upload.py           # OCS_TOKEN, OCS_API_BASE, … in its environment',
  '  ocs-auth configure -p cds --resource https://platform.connect.aveva.com --account-id ACCOUNT --client-id CLIENT --client-credentials',
  '                                              # CONNECT data services: an account instead of a tenant',
  '',
  'In CI, OCS_RESOURCE, OCS_TENANT_ID (or OCS_ACCOUNT_ID), OCS_CLIENT_ID and OCS_CLIENT_SECRET are enough.',
  '',
  EXIT_STATUS_HELP,
  "api adds 6 (another 4xx answer); exec exits with its command's status; status with 1 when nobody is",
  'logged in. Any other 1 is a bug: run again with --verbose and report it. Each command\'s --help says more.',
].join('\n');

/** The program as commander sees it for `argv`: the global options and the commands the run needs. */
export function createProgram(argv: string[], deps: Deps, outcome: Outcome): Command {
  const program = new Command('ocs-auth')
    .description('Bearer tokens for OSIsoft Cloud Services / AVEVA Data Hub and CONNECT data services, for people and shell scripts')
    .version(deps.version, '--version', 'print the version')
    .option('-v, --verbose', 'trace HTTP on stderr (secrets and tokens redacted); stack traces on errors')
    .option('--no-color', "no colour, on stderr or stdout (whoami's report, api's JSON on a terminal); also NO_COLOR")
    .showHelpAfterError('(see ocs-auth --help)')
    .showSuggestionAfterError(false)
    .configureOutput({
      writeOut: (text) => deps.io.stdout.write(text),
      writeErr: (text) => deps.io.stderr.write(text),
      outputError: (text, write) => write(withSuggestion(text, program)),
    })
    .addHelpText('after', TOP_LEVEL_HELP)
    .exitOverride();
  for (const register of commandsFor(argv)) register(program, deps, outcome);
  for (const command of program.commands) command.exitOverride().showHelpAfterError(`(see ocs-auth ${command.name()} --help)`);
  return program;
}

/** Commander's own suggestion allows 3 edits for any word ("bogus" became "logout"): ours is tighter. */
function withSuggestion(text: string, program: Command): string {
  const unknown = /^error: unknown command '(.*)'$/m.exec(text)?.[1];
  if (unknown === undefined) return text;
  const suggestion = closest(unknown, program.commands.map((command) => command.name()));
  return suggestion === undefined ? text : `${text}(Did you mean ${suggestion}?)\n`;
}

/**
 * For the length of one command, SIGINT and SIGTERM abort `deps.interrupted` instead of
 * killing the process: HTTP requests, lock waits and prompts then fail with an
 * InterruptedError, `finally` blocks release locks and close servers, and the error becomes
 * exit 130/143 here like any other. Only the first signal is caught: a second one kills a
 * command that is stuck somewhere that does not listen (re-raised, so the exit status is the signal's).
 */
function catchInterrupts(processDeps: Deps): { deps: Deps; received(): InterruptSignal | undefined; stop(): void } {
  const controller = new AbortController();
  let received: InterruptSignal | undefined;
  // Our listener stays until the command ends: a library that re-raises a signal when it
  // believes nobody else listens (signal-exit, under the prompts) would otherwise kill the
  // process on the first signal, before the prompt could restore the cursor.
  const stop = processDeps.onInterrupt((signal) => {
    if (received !== undefined) {
      stop();
      processDeps.kill(signal);
      return;
    }
    received = signal;
    controller.abort(signal);
  });
  const { signal } = controller;
  return {
    deps: {
      ...processDeps,
      interrupted: signal,
      createHttpClient: (options) => processDeps.createHttpClient({ ...options, signal }),
      createPrompter: () => processDeps.createPrompter(signal),
    },
    received: () => received,
    stop,
  };
}

/** The one place where an error becomes a line on stderr and an exit code (SPEC "Exit codes"). */
export function reportError(error: unknown, deps: Deps, verbose: boolean, noColor: boolean): number {
  const ui = new Ui(deps.io, () => wantsColor(deps.io, deps.env, noColor));
  if (error instanceof OcsAuthError) {
    ui.error(error.message, error.hint);
    if (verbose && error.cause instanceof Error && error.cause.stack) ui.detail(error.cause.stack);
    return error.exitCode;
  }
  // Checked after our own errors: a `token` that commander did not read never loads commander.
  if (error instanceof CommanderError) {
    // Commander has already printed its message (or the help / version asked for).
    return error.exitCode === 0 ? 0 : 2;
  }
  ui.error(`unexpected failure: ${error instanceof Error ? error.message : String(error)}`, verbose ? undefined : 'run again with --verbose for details, and report it as a bug');
  if (verbose && error instanceof Error && error.stack) ui.info(error.stack);
  return 1;
}
