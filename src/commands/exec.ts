import { execFileSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import type { Command } from 'commander';
import { withoutSecrets } from '../config/secret-variables.js';
import { UsageError } from '../errors.js';
import type { Register } from './register.js';
import { apiBase } from '../config/settings.js';
import { TOKEN_VARIABLE } from './token-output.js';
import type { Ui } from '../cli/ui.js';
import { createContext, type CommandContext, type FlowOptions, type NamespaceOptions, type ProfileOptions } from './context.js';
import { addCacheOptions, addFlowOptions, addNamespaceOption, addProfileOptions } from './options.js';
import { accessToken } from './token.js';

export interface ExecOptions extends ProfileOptions, FlowOptions, NamespaceOptions {
  minValidity: number;
  force?: boolean;
}

/** What a shell answers when it cannot run a command: 127 not found, 126 found but not runnable. */
export const EXIT_NOT_FOUND = 127;
export const EXIT_NOT_RUNNABLE = 126;

// Ctrl-C, `kill`, a closed terminal: the command decides what they mean, ocs-auth only waits for it.
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];


export const register: Register = (program, deps, outcome) => {
  const command = program
    .command('exec')
    .description('run a command with OCS_TOKEN, OCS_RESOURCE, OCS_TENANT_ID or OCS_ACCOUNT_ID, OCS_API_VERSION, OCS_API_BASE and OCS_NAMESPACE (when one is set) in its environment; exit with its status')
    .usage('[options] -- <command> [args...]')
    .argument('<command...>', 'the command and its arguments, after --')
    .addHelpText(
      'after',
      [
        '',
        'The token is passed in the environment, never on a command line. Exit status: the',
        "command's own, 128+N when a signal N ends it, 127 when it is not found, 126 when it",
        "cannot be run; ocs-auth's own (2-5) when no token can be had.",
        '',
        'Example:',
        '  ocs-auth exec -- sh -c \'curl -H "Authorization: Bearer $OCS_TOKEN" "$OCS_API_BASE/Tenants/$OCS_TENANT_ID"\'',
        '',
        'OCS_API_BASE has no trailing slash: {resource}/api/{apiVersion} for a tenant,',
        '{resource}/api/account/{accountId} for a CONNECT account.',
      ].join('\n'),
    );
  addFlowOptions(command);
  addProfileOptions(command);
  addNamespaceOption(command);
  addCacheOptions(command)
    // The command's own options stay in its arguments (`exec sh -c …`); requireSeparator catches
    // the cases where ocs-auth took one of them.
    .allowUnknownOption()
    .action(async (commandLine: string[], options: ExecOptions, self: Command) => {
      requireSeparator(self, commandLine);
      outcome.exitCode = await run(commandLine, options, createContext(deps, self.optsWithGlobals()));
    });
};

export async function run([file, ...args]: string[], options: ExecOptions, context: CommandContext): Promise<number> {
  const { settings, token } = await accessToken(options, context);
  const env: NodeJS.ProcessEnv = {
    ...withoutSecrets(context.deps.env),
    [TOKEN_VARIABLE]: token.access_token,
    OCS_RESOURCE: settings.resource,
    OCS_API_VERSION: settings.apiVersion,
    OCS_API_BASE: apiBase(settings),
  };
  // One of the two, as for the profile: a tenant id left over from the caller's environment
  // would point the command at another platform than the token is for.
  delete env.OCS_TENANT_ID;
  delete env.OCS_ACCOUNT_ID;
  if (settings.accountId === undefined) env.OCS_TENANT_ID = settings.tenantId;
  else env.OCS_ACCOUNT_ID = settings.accountId;
  delete env.OCS_NAMESPACE;
  if (settings.namespace !== undefined) env.OCS_NAMESPACE = settings.namespace;
  return runChild(file!, args, env, context.ui);
}


/**
 * Starts the command as Windows would (PATHEXT, .cmd and .bat through cmd.exe with every
 * argument escaped) and as Node does elsewhere. cross-spawn is loaded only here, so that
 * `token` never pays for it.
 */
export async function spawnCommand(file: string, args: string[], options: SpawnOptions): Promise<ChildProcess> {
  const { default: crossSpawn } = await import('cross-spawn');
  return crossSpawn(file, args, options);
}

/** Runs the command on this terminal and resolves to the exit status a shell would report for it. */
async function runChild(file: string, args: string[], env: NodeJS.ProcessEnv, ui: Ui): Promise<number> {
  const child = await spawnCommand(file, args, { env, stdio: 'inherit' });
  return new Promise((resolve) => {
    const forward = (signal: NodeJS.Signals) => {
      // A Ctrl-C reaches every process of the terminal's foreground group, the command
      // included: passing it on as well would make one Ctrl-C two.
      if (signal === 'SIGINT' && childHadSigintFromTerminal()) return;
      child.kill(signal);
    };
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    let settled = false;
    const settle = (status: number) => {
      if (settled) return;
      settled = true;
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
      resolve(status);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        ui.error(`command not found: ${file}`);
        settle(EXIT_NOT_FOUND);
      } else {
        ui.error(`cannot run ${file}: ${error.code === 'EACCES' ? 'permission denied' : error.message}`);
        settle(EXIT_NOT_RUNNABLE);
      }
    });
    child.on('exit', (code, signal) => settle(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}

/**
 * Whether a SIGINT that reached ocs-auth reached the command too: true when ocs-auth runs in
 * the foreground process group of its terminal, where Ctrl-C comes from, because the command
 * shares that group. A `kill -INT` aimed at ocs-auth alone from elsewhere (a script, a
 * supervisor, a background job) finds it outside the foreground group and is passed on. Node
 * does not tell a handler who sent a signal, so the one case this cannot tell apart is a
 * `kill -INT` from another terminal while ocs-auth is in the foreground of its own.
 * On Windows, Ctrl-C goes to every process of the console, and Node's kill() would not
 * deliver a Ctrl-C but end the command outright.
 */
export function childHadSigintFromTerminal(platform: NodeJS.Platform = process.platform): boolean {
  if (platform === 'win32') return true;
  const groups = processGroups();
  return groups !== undefined && groups.foreground > 0 && groups.foreground === groups.own;
}

/** This process's group and its terminal's foreground group (-1 or 0: no terminal). */
function processGroups(): { own: number; foreground: number } | undefined {
  try {
    // Linux: /proc/self/stat is "pid (comm) state ppid pgrp session tty_nr tpgid …", and comm
    // may itself hold spaces and parentheses.
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { own: Number(fields[2]), foreground: Number(fields[5]) };
  } catch {
    // macOS and the BSDs have no /proc, but ps knows both.
    try {
      const output = execFileSync('ps', ['-o', 'pgid=,tpgid=', '-p', String(process.pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const [own, foreground] = output.trim().split(/\s+/).map(Number);
      return own === undefined || foreground === undefined ? undefined : { own, foreground };
    } catch {
      return undefined;
    }
  }
}

/**
 * Options after the command belong to it (`ocs-auth exec -- curl -v …`). Commander has no
 * way to stop parsing at the command while also accepting -v anywhere for ocs-auth itself,
 * so without `--` an option meant for the command may have been taken as ocs-auth's: the
 * command as received then no longer ends the command line, and that is refused.
 */
function requireSeparator(command: Command, commandLine: string[]): void {
  // An option of ocs-auth's own mistyped before "--" would otherwise be run as the command.
  if (commandLine[0]?.startsWith('-')) throw new UsageError(`unknown option '${commandLine[0]}'`, { hint: 'see ocs-auth exec --help' });
  const rawArgs = (command.parent as { rawArgs?: unknown } | null)?.rawArgs;
  if (!Array.isArray(rawArgs) || rawArgs.includes('--')) return;
  const tail = rawArgs.slice(-commandLine.length);
  if (tail.length === commandLine.length && tail.every((arg, index) => arg === commandLine[index])) return;
  throw new UsageError('put -- between ocs-auth\'s options and the command', {
    hint: "e.g. ocs-auth exec --profile prod -- curl -v URL: without --, the command's options are taken for ocs-auth's",
  });
}
